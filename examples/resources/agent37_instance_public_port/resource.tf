resource "agent37_instance" "app" {
  name = "webhooks"
}

# A keyless URL for a webhook receiver on port 9100. Without a prefix, the URL's host is a
# secret slug (the attribute is sensitive).
resource "agent37_instance_public_port" "hooks" {
  instance_id = agent37_instance.app.id
  port        = 9100
  label       = "GitHub webhooks"
}

# With a prefix, the URL is stable and guessable: https://app-<id>.agent37.app.
resource "agent37_instance_public_port" "site" {
  instance_id = agent37_instance.app.id
  port        = 9200
  prefix      = "app"
}

# The URL is sensitive; with a prefix it is no secret.
output "site_url" {
  value = nonsensitive(agent37_instance_public_port.site.url)
}
