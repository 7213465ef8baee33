resource "agent37_instance" "support" {
  name = "support-bot"
}

# Managed spend (LLM, web search, app integrations) of the instance: up to 5 USD a month,
# plus 1 USD of one-time credit used once the month's cap is reached.
resource "agent37_budget" "support" {
  instance_id        = agent37_instance.support.id
  monthly_cap_micros = provider::agent37::usd_to_micros("5")

  # Cumulative: raising it to 1500000 later grants 0.50 USD more, once. Lowering it takes
  # nothing back (the plan warns). `topup_micros` is its deprecated older name.
  credit_micros = 1000000
}
