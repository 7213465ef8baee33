terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

# Show a micros amount, such as what a budget has consumed, as dollars.
output "cap_usd" {
  value = provider::agent37::micros_to_usd(1500000) # "1.50"
}

output "tiny_usd" {
  value = provider::agent37::micros_to_usd(114) # "0.000114"
}
