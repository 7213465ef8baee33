# Quickstart: one always-on agent instance with a managed-spend budget.
#
# Credentials come from the environment:
#   AGENT37_API_KEY   a workspace key (sk_live_...)
#   AGENT37_BASE_URL  optional; `cargo xtask demo` points it at the local emulator

terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

provider "agent37" {} # AGENT37_API_KEY, AGENT37_BASE_URL

resource "agent37_instance" "support" {
  name   = "support-bot"
  user   = "cust_4411"
  cpu    = 2
  memory = 4
}

resource "agent37_budget" "support" {
  instance_id        = agent37_instance.support.id
  monthly_cap_micros = provider::agent37::usd_to_micros("5")
  credit_micros      = 1000000
}

output "instance_id" {
  value = agent37_instance.support.id
}

output "chat_url" {
  value = agent37_instance.support.url
}

output "status" {
  value = agent37_instance.support.status
}

output "monthly_cap_usd" {
  value = provider::agent37::micros_to_usd(agent37_budget.support.monthly_cap_micros)
}

output "credit_remaining_usd" {
  value = provider::agent37::micros_to_usd(agent37_budget.support.credit_remaining_micros)
}
