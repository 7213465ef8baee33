# In a file ending in .tfquery.hcl:
#   terraform query                                     lists the budgets of matching instances
#   terraform query -generate-config-out=generated.tf   writes import blocks and resources
# Filters are those of the agent37_instances data source; every filter given must match.
# Next to the agent37_instance list, this adopts a whole fleet, budgets included.
list "agent37_budget" "customer" {
  provider = agent37

  config {
    user = "cust_4411"
  }
}
