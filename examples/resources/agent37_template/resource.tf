# A workspace template: your own public linux/amd64 image, registered under a name, and the
# ports it serves. Instances are then created from it by name, e.g.
#   resource "agent37_instance" "support" { template = agent37_template.support.name }
resource "agent37_template" "support" {
  name        = "support-agent"
  image_ref   = "ghcr.io/acme/support-agent:1.4.0"
  description = "Support agent with a web console"

  ports = [
    { port = 8000, default = true }, # the instance's main URL
    { port = 8001 },                 # a URL of its own
  ]
}
