data "agent37_domain" "bots" {
  domain = "bots-example.net"
}

output "bots_domain_active" {
  value = data.agent37_domain.bots.status == "active"
}
