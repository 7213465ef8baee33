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

# Follows its workspace template's image (a template registered with agent37_template):
# when the template's image_ref changes, the next plan shows an in-place update that pulls it.
resource "agent37_instance" "custom" {
  template    = "my-agent"
  auto_update = true
}

output "support_url" {
  value = agent37_instance.support.url
}
