data "agent37_domains" "all" {}

output "active_domains" {
  value = [for d in data.agent37_domains.all.domains : d.domain if d.status == "active"]
}
