# A budget is imported by the id of its instance. The imported credit_micros is the credit the
# budget has left; later raises grant only the difference.
terraform import agent37_budget.support k3x9v2m7qa
