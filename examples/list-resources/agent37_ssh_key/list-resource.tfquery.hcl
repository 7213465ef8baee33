# In a file ending in .tfquery.hcl:
#   terraform query -generate-config-out=generated.tf
# The API never returns the key text: add `public_key` to the generated configuration.
list "agent37_ssh_key" "ci" {
  provider = agent37

  config {
    name_prefix = "ci-"
  }
}
