import {
  to = agent37_budget.support
  identity = {
    instance_id = "k3x9v2m7qa"
  }
}
