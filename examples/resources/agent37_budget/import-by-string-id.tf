# A budget is imported by the id of its instance. In the run of this import block, the
# configured topup_micros is taken as the baseline without granting anything.
import {
  to = agent37_budget.support
  id = "k3x9v2m7qa"
}
