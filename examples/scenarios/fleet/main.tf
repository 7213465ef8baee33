# A fleet: one always-on agent instance per user, each with its own managed-spend budget.
# Adding a user to `var.users` creates their instance and budget; removing one destroys them.
#
# Credentials come from the environment: AGENT37_API_KEY (and AGENT37_BASE_URL if needed).

terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

provider "agent37" {}

variable "users" {
  description = "Users who get an agent: user id => settings (monthly cap in dollars)."
  type = map(object({
    display_name  = string
    monthly_cap   = string
    large_machine = optional(bool, false)
  }))
  default = {
    cust_4411 = { display_name = "Ada", monthly_cap = "5" }
    cust_4412 = { display_name = "Grace", monthly_cap = "12.50", large_machine = true }
  }
}

resource "agent37_instance" "agent" {
  for_each = var.users

  name   = "agent-${each.key}"
  user   = each.key
  cpu    = each.value.large_machine ? 4 : 2
  memory = each.value.large_machine ? 8 : 4

  metadata = {
    display_name = each.value.display_name
    fleet        = "support"
  }
}

resource "agent37_budget" "agent" {
  for_each = var.users

  instance_id        = agent37_instance.agent[each.key].id
  monthly_cap_micros = provider::agent37::usd_to_micros(each.value.monthly_cap)
}

output "chat_urls" {
  description = "Each user's chat URL (the instance's default port)."
  value       = { for user, instance in agent37_instance.agent : user => instance.url }
}

output "monthly_remaining_usd" {
  description = "What is left of each user's monthly cap, in dollars."
  value = {
    for user, budget in agent37_budget.agent :
    user => provider::agent37::micros_to_usd(budget.monthly_remaining_micros)
  }
}
