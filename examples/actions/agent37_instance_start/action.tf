resource "agent37_instance" "support" {
  name = "support-bot"
}

# Start the instance again (on API revision 2026-08-21 this also wakes a sleeping one), then
# wait until its agent answers its health check:
#   terraform apply -invoke=action.agent37_instance_start.support
action "agent37_instance_start" "support" {
  config {
    instance_id      = agent37_instance.support.id
    wait_for_healthy = true
    timeout          = "10m"
  }
}
