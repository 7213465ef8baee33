# A support bot on the default template and shape (agent37-hermes, 2 vCPU / 4 GB / 6 GB).
resource "agent37_instance" "support" {
  name = "support-bot"
  user = "cust_4411"

  metadata = {
    team = "support"
  }
}

# A bigger instance, stopped until needed. Growing cpu/memory/disk resizes in place;
# shrinking any of them replaces the instance.
resource "agent37_instance" "batch" {
  template = "agent37-openclaw"
  cpu      = 4 # memory follows from the shape (8 GB)
  disk     = 30
  state    = "stopped"

  timeouts {
    create = "15m"
  }
}

# Your own image, registered as a workspace template in the same configuration.
resource "agent37_template" "custom" {
  name      = "my-agent"
  image_ref = "ghcr.io/acme/my-agent:1.0.0"

  ports = [
    { port = 8000, default = true },
  ]
}

# Follows that template's image: when its image_ref changes, the next plan shows an in-place
# update that pulls it. Referencing the template (rather than writing "my-agent") also makes
# Terraform create the template first.
resource "agent37_instance" "custom" {
  template    = agent37_template.custom.name
  auto_update = true
}

output "support_url" {
  value = agent37_instance.support.url
}

# --- API revision 2026-08-21 ---
# Secrets in the environment, write-only (Terraform 1.11 and later): sent once at create and
# never stored in the plan or state. Bump env_wo_version to replace the instance with new
# values (the platform's environment is immutable). Idle instances sleep after 10 minutes
# and wake on the next request; auto_sleep and idle_timeout_seconds change in place.
variable "crawler_api_token" {
  type      = string
  sensitive = true
  ephemeral = true
  default   = "replace-me"
}

resource "agent37_instance" "crawler" {
  name = "crawler"

  env_wo = {
    API_TOKEN = var.crawler_api_token
    LOG_LEVEL = "info"
  }
  env_wo_version = "1"

  auto_sleep           = true
  idle_timeout_seconds = 600
}

output "crawler_status" {
  # "running" while asleep too; status shows "sleeping", slept_at when it fell asleep.
  value = agent37_instance.crawler.status
}
