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

# API revision 2026-08-21: move the instance to another template reference in place (same id,
# URLs and home folders): "name@<revision>" pins (or rolls back), the bare name unpins, another
# template migrates:
#   terraform apply -invoke=action.agent37_instance_update.pin
action "agent37_instance_update" "pin" {
  config {
    instance_id = agent37_instance.support.id
    template    = "agent37-hermes"
  }
}
