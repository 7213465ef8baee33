# In a file ending in .tfquery.hcl:
#   terraform query -generate-config-out=generated.tf
# Only workspace templates are listed: system templates (agent37-*) cannot be managed.
list "agent37_template" "support" {
  provider = agent37

  config {
    name_prefix = "support-"
  }
}
