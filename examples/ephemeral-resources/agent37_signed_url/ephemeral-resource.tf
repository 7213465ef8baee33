# Ephemeral resources need Terraform 1.10 or later.
#
# A browser URL for the instance's default port, minted on every run and never stored in plan
# or state. The API cannot revoke it before it expires, so keep ttl_seconds short.
ephemeral "agent37_signed_url" "chat" {
  instance_id = agent37_instance.support.id
  ttl_seconds = 300
}

# Ephemeral values reach provisioners and provider configurations, never state: here the URL
# is handed to a command through its environment, to check that the chat answers.
resource "terraform_data" "chat_check" {
  triggers_replace = [agent37_instance.support.id]

  provisioner "local-exec" {
    command     = "curl --fail --silent --show-error --output /dev/null \"$CHAT_URL\""
    environment = { CHAT_URL = ephemeral.agent37_signed_url.chat.url }
  }
}
