# In a file ending in .tfquery.hcl:
#   terraform query -generate-config-out=generated.tf
# Without `instance_id`, the public ports of every instance of the workspace.
list "agent37_instance_public_port" "app" {
  provider = agent37

  config {
    instance_id = "k3x9q2m7pa"
  }
}
