# The last lines of an instance's output and its health, for a look from `terraform console`
# or an output. Not for resource arguments: the value changes at every read.
data "agent37_instance_logs" "crawler" {
  instance_id = "k3x9q2m7pa"
  tail        = 100
}

output "crawler_health" {
  value = data.agent37_instance_logs.crawler.health
}
