resource "agent37_instance" "support" {
  name = "support-bot"
}

# Restart the instance's container (its data is kept), then wait until it is healthy:
#   terraform apply -invoke=action.agent37_instance_restart.support
action "agent37_instance_restart" "support" {
  config {
    instance_id      = agent37_instance.support.id
    wait_for_healthy = true
    timeout          = "10m"
  }
}
