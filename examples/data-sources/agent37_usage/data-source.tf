variable "instance_id" {
  type = string
}

# The current UTC month.
data "agent37_usage" "this_month" {
  instance_id = var.instance_id
}

# A past month.
data "agent37_usage" "january" {
  instance_id = var.instance_id
  month       = "2026-01"
}

output "spend_this_month_usd" {
  value = provider::agent37::micros_to_usd(data.agent37_usage.this_month.total_micros)
}

output "llm_tokens_this_month" {
  value = data.agent37_usage.this_month.llm_input_tokens + data.agent37_usage.this_month.llm_output_tokens
}

output "spend_in_january_usd" {
  value = provider::agent37::micros_to_usd(data.agent37_usage.january.total_micros)
}
