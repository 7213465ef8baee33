resource "agent37_instance" "support" {
  name = "support-bot"
}

# A short-lived browser URL to the instance's default port. It is minted anew on every run and
# never stored in the plan or the state; keep the lifetime short, as it cannot be revoked.
ephemeral "agent37_signed_url" "chat" {
  instance_id = agent37_instance.support.id
  ttl_seconds = 300
}

# Ephemeral values go only to ephemeral contexts, such as a provisioner's environment.
resource "terraform_data" "smoke_test" {
  triggers_replace = [agent37_instance.support.id]

  provisioner "local-exec" {
    command     = "curl --fail --silent --show-error --output /dev/null \"$CHAT_URL\""
    environment = { CHAT_URL = ephemeral.agent37_signed_url.chat.url }
  }
}
