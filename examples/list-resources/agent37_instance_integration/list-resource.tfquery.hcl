# In a file ending in .tfquery.hcl:
#   terraform query -generate-config-out=generated.tf
# Without `instance_id`, the connections of every instance of the workspace.
list "agent37_instance_integration" "assistant" {
  provider = agent37

  config {
    instance_id = "k3x9q2m7pa"
  }
}
