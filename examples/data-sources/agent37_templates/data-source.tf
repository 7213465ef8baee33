# Every template: the system catalog first, then the workspace's own by name.
data "agent37_templates" "all" {}

# Only the workspace's own templates (or `scope = "system"` for the built-in ones).
data "agent37_templates" "mine" {
  scope = "workspace"
}

output "template_names" {
  value = data.agent37_templates.all.names
}

output "my_template_images" {
  value = { for t in data.agent37_templates.mine.templates : t.name => t.image_ref }
}
