# In a file ending in .tfquery.hcl:
#   terraform query                                     lists the matching instances
#   terraform query -generate-config-out=generated.tf   writes import blocks and resources
# Filters are those of the agent37_instances data source; every filter given must match.
list "agent37_instance" "customer" {
  provider = agent37

  config {
    user = "cust_4411"
    metadata = {
      team = "support"
    }
  }
}
