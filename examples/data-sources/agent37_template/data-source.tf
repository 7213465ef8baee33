# One template by name: a built-in system template, or one of the workspace's own.
data "agent37_template" "hermes" {
  name = "agent37-hermes"
}

output "hermes_image" {
  value = data.agent37_template.hermes.image_ref
}

output "hermes_default_port" {
  value = one([for p in data.agent37_template.hermes.ports : p.port if p.default])
}
