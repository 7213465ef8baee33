import {
  to = agent37_budget.batch
  identity = {
    instance_id = "p8d2w6n4tb"
  }
}

resource "agent37_budget" "batch" {
  instance_id        = "p8d2w6n4tb"
  monthly_cap_micros = 2000000
}
