# The budgets of every instance of one customer.
data "agent37_budgets" "customer" {
  user = "cust_4411"
}

output "credit_left_usd" {
  value = {
    for b in data.agent37_budgets.customer.budgets :
    b.instance_id => provider::agent37::micros_to_usd(b.credit_remaining_micros)
  }
}
