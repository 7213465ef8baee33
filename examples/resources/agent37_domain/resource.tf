# A custom domain (the workspace needs $100 of top-ups in total). Delegate it to the name
# servers it shows, then verify it with agent37_domain_verification: once active, every
# instance is also reachable as https://<id>.bots-example.net.
resource "agent37_domain" "bots" {
  domain = "bots-example.net"
}

output "set_these_ns_records" {
  value = agent37_domain.bots.nameservers
}
