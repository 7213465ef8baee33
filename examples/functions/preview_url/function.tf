terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

# The URL of any port of an instance, from its `url` (no API call). It needs the workspace key
# like the instance URL; for a keyless link use agent37_instance_public_port.
output "dashboard" {
  value = provider::agent37::preview_url("https://q7w2e9r4t1.agent37.app", 9000) # https://q7w2e9r4t1-9000.agent37.app
}
