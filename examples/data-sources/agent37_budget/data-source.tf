variable "instance_id" {
  type = string
}

data "agent37_budget" "support" {
  instance_id = var.instance_id
}

output "monthly_left_usd" {
  value = provider::agent37::micros_to_usd(data.agent37_budget.support.monthly_remaining_micros)
}

output "credit_left_usd" {
  value = provider::agent37::micros_to_usd(data.agent37_budget.support.credit_remaining_micros)
}
