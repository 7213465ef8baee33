resource "agent37_domain" "bots" {
  domain = "bots-example.net"
}

# One verify call, its status shown as progress (pending until the NS records point at the
# platform):
#   terraform apply -invoke=action.agent37_domain_verify.bots
action "agent37_domain_verify" "bots" {
  config {
    domain = agent37_domain.bots.domain
  }
}
