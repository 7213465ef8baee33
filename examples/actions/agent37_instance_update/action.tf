resource "agent37_instance" "support" {
  name = "support-bot"
}

# Pull the template's current image (keeping the data); the progress shows the old and the
# new image_ref:
#   terraform apply -invoke=action.agent37_instance_update.support
# To follow the template's image on every apply instead, set auto_update = true on the
# agent37_instance resource.
action "agent37_instance_update" "support" {
  config {
    instance_id = agent37_instance.support.id
  }
}
