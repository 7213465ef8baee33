# CPU, memory and disk use over the last six hours, as `[epoch_seconds, value]` points.
data "agent37_instance_metrics" "crawler" {
  instance_id = "k3x9q2m7pa"
  hours       = 6
}

output "crawler_peak_memory_bytes" {
  value = max(0, [for p in data.agent37_instance_metrics.crawler.series.memory_bytes : p[1]]...)
}
