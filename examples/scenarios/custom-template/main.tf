# A custom template: your own public linux/amd64 image registered as a workspace template, with
# the ports it serves, and instances built from it.
#
# Credentials come from the environment: AGENT37_API_KEY (and AGENT37_BASE_URL if needed).

terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

provider "agent37" {}

resource "agent37_template" "webapp" {
  name        = "acme-webapp"
  image_ref   = "ghcr.io/acme/webapp:1.4.2"
  description = "Acme's agent web app"

  ports = [
    { port = 3000, default = true }, # https://{id}.agent37.app
    { port = 9000 },                 # https://{id}-9000.agent37.app
  ]
}

resource "agent37_instance" "webapp" {
  for_each = toset(["staging", "production"])

  name     = "webapp-${each.key}"
  template = agent37_template.webapp.name

  # Bumping the template's image_ref rolls these instances onto the new image in place.
  auto_update = true
  # A custom image has no agent gateway to report health: do not wait for one.
  wait_for_healthy = false

  metadata = {
    environment = each.key
  }
}

output "urls" {
  description = "Every port's URL of each instance."
  value = {
    for env, instance in agent37_instance.webapp :
    env => { for p in instance.ports : tostring(p.port) => p.url }
  }
}
