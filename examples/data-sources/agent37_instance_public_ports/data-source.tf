data "agent37_instance_public_ports" "app" {
  instance_id = "k3x9q2m7pa"
}

output "public_ports" {
  value = [for p in data.agent37_instance_public_ports.app.public_ports : p.port]
}
