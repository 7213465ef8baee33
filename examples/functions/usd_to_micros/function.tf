terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

# Budgets are set in integer micros (1 USD = 1,000,000 micros). Write dollars instead:
# a string keeps the decimal exact.
output "five_dollars" {
  value = provider::agent37::usd_to_micros("5") # 5000000
}

output "quarter" {
  value = provider::agent37::usd_to_micros("0.25") # 250000
}
