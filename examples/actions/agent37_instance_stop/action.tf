resource "agent37_instance" "support" {
  name = "support-bot"
}

# Stop the instance (its disk is kept), for example outside office hours:
#   terraform apply -invoke=action.agent37_instance_stop.support
# The resource above leaves `state` out, so it keeps whatever state the instance is in; with
# state = "running" its next apply would start it again.
action "agent37_instance_stop" "support" {
  config {
    instance_id = agent37_instance.support.id
  }
}
