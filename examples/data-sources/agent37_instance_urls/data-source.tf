data "agent37_instance_urls" "support" {
  instance_id = "k3x9q2m7pa"
}

output "chat_url" {
  value = data.agent37_instance_urls.support.url
}

output "terminal_url" {
  value = data.agent37_instance_urls.support.urls["7681"]
}
