data "agent37_instance" "support" {
  id = "k3x9q2m7pa"
}

output "support_status" {
  value = data.agent37_instance.support.status
}
