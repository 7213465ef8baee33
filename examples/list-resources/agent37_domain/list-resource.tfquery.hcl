# In a file ending in .tfquery.hcl:
#   terraform query -generate-config-out=generated.tf
list "agent37_domain" "active" {
  provider = agent37

  config {
    status = "active"
  }
}
