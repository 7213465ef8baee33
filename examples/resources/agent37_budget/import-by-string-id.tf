# A budget is imported by the id of its instance. In the run of this import block, the
# configured credit_micros is taken as the baseline without granting anything; the plan warns
# when it differs from the credit the budget has left.
import {
  to = agent37_budget.support
  id = "k3x9v2m7qa"
}
