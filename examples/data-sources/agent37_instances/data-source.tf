# Every running instance of one customer tagged for the support team.
data "agent37_instances" "support" {
  user     = "cust_4411"
  status   = "running"
  metadata = { team = "support" }
}

output "support_ids" {
  value = data.agent37_instances.support.ids
}

output "support_urls" {
  value = data.agent37_instances.support.instances[*].url
}
