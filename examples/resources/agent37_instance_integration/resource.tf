resource "agent37_instance" "assistant" {
  name = "assistant"
}

# Gmail for the assistant's agent. A person must open `redirect_url` and sign in to Google
# before the connection is ACTIVE; afterwards the browser lands on `callback_url`.
resource "agent37_instance_integration" "gmail" {
  instance_id  = agent37_instance.assistant.id
  toolkit      = "gmail"
  callback_url = "https://app.example.com/connected"
}

# Hacker News needs no sign-in: ACTIVE at once, so waiting costs nothing.
resource "agent37_instance_integration" "news" {
  instance_id     = agent37_instance.assistant.id
  toolkit         = "hackernews"
  wait_for_active = true
}

# Hand this link to the person who owns the mailbox (it is sensitive: whoever opens it
# attaches their account to the instance).
output "gmail_sign_in" {
  value     = agent37_instance_integration.gmail.redirect_url
  sensitive = true
}
