resource "agent37_domain" "bots" {
  domain = "bots-example.net"
}

# Waits until the domain's NS records point at the platform (the apply fails with where they
# must point if `timeouts.create` passes first; apply again later). Destroying it changes
# nothing on the server.
resource "agent37_domain_verification" "bots" {
  domain = agent37_domain.bots.domain

  timeouts {
    create = "30m"
  }
}
