# A fleet behind a custom domain: a template built from the folder `agent/`, one instance per user
# pinned to that build's revision, each with its secrets as write-only env and auto-sleep, a public
# webhook port each, the team's domain with its verification, and an SSH key for the on-call team.
#
# Needs API revision 2026-08-21, Terraform 1.11 or later (write-only env) and a workspace with
# $100 of top-ups in total (custom domains). Against the local emulator, whose scenario workspace
# has them: `cargo xtask demo --scenario custom-domain-fleet`.

terraform {
  required_version = ">= 1.11"
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

provider "agent37" {}

variable "users" {
  description = "Users who get an agent: user id => display name."
  type        = map(string)
  default = {
    cust_4411 = "Ada"
    cust_4412 = "Grace"
  }
}

variable "model_api_key" {
  description = "The key the agents use for their own model provider (never stored in the state)."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = "sk-demo-not-a-real-key"
}

variable "model_api_key_version" {
  description = "Bump it when the key rotates: the instances are re-created with the new env."
  type        = string
  default     = "1"
}

# A new revision of the `support-agent` template each time the files under agent/ change; the
# instances below follow it (a changed revision re-pins them in place).
resource "agent37_template_build" "agent" {
  name        = "support-agent"
  source_dir  = "${path.module}/agent"
  description = "Support agent with the team's skills"
}

resource "agent37_instance" "agent" {
  for_each = var.users

  name     = "support-${replace(each.key, "_", "-")}"
  user     = each.key
  template = "${agent37_template_build.agent.name}@${agent37_template_build.agent.revision}"

  env_wo = {
    MODEL_API_KEY = var.model_api_key
    SUPPORT_USER  = each.key
  }
  env_wo_version = var.model_api_key_version

  # Idle agents sleep after 15 minutes and wake on their next request.
  auto_sleep           = true
  idle_timeout_seconds = 900

  metadata = {
    display_name = each.value
    fleet        = "support"
  }
}

# Each agent receives webhooks on port 9100 at a stable URL.
resource "agent37_instance_public_port" "hooks" {
  for_each = agent37_instance.agent

  instance_id = each.value.id
  port        = 9100
  prefix      = "hooks-${replace(each.key, "_", "-")}"
  label       = "Webhooks for ${var.users[each.key]}"
}

# The team's own domain for the agents' URLs: the verification waits until its NS records point
# at the platform.
resource "agent37_domain" "support" {
  domain = "support-agents-example.net"
}

resource "agent37_domain_verification" "support" {
  domain = agent37_domain.support.domain
}

# The on-call engineers' key opens every instance of the workspace.
resource "agent37_ssh_key" "oncall" {
  name       = "oncall"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGDqXcqiio1sg/mCziIJI4P2GAXxCMCicRyB6jHr+ZUT oncall"
}

output "template" {
  description = "The template revision the fleet runs."
  value       = "${agent37_template_build.agent.name}@${agent37_template_build.agent.revision}"
}

output "chat_urls" {
  description = "Each user's chat URL."
  value       = { for user, instance in agent37_instance.agent : user => instance.url }
}

output "webhook_urls" {
  description = "Each user's webhook URL (prefixed, so not a secret)."
  value       = { for user, port in agent37_instance_public_port.hooks : user => nonsensitive(port.url) }
}

output "domain_nameservers" {
  description = "Point the domain's NS records here."
  value       = agent37_domain.support.nameservers
}

output "oncall_key_fingerprint" {
  value = agent37_ssh_key.oncall.fingerprint
}
