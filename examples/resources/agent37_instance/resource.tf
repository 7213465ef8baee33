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
