resource "agent37_instance" "assistant" {
  name = "assistant"
}

# A skill the agent loads from its home folder. The content is write-only: the state keeps
# its sha256, and a file edited on the instance is written back at the next apply.
resource "agent37_instance_file" "search_skill" {
  instance_id = agent37_instance.assistant.id
  path        = "skills/search.md"
  content     = <<-EOT
    # Web search
    Search the web for the question, read the top results, and cite your sources.
  EOT
}

# Binary files go as base64, e.g. filebase64("${path.module}/avatar.png").
resource "agent37_instance_file" "avatar" {
  instance_id    = agent37_instance.assistant.id
  path           = ".hermes/avatar.png"
  content_base64 = "iVBORw0KGgo="
}
