# Run a command on demand:
#   terraform apply -invoke=action.agent37_instance_exec.hello
# While it runs, a progress line appears every few seconds; then stdout, stderr and the exit
# code. A non-zero exit code fails the run unless allow_failure = true.
action "agent37_instance_exec" "hello" {
  config {
    instance_id = agent37_instance.support.id
    command     = "echo hello from the support bot"
    timeout     = "2m" # the API stops commands after 280 s
  }
}

# Or run one whenever the instance is created.
resource "agent37_instance" "support" {
  name = "support-bot"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.agent37_instance_exec.setup]
    }
  }
}

action "agent37_instance_exec" "setup" {
  config {
    instance_id   = agent37_instance.support.id
    command       = "echo setting up; echo done"
    allow_failure = false
  }
}
