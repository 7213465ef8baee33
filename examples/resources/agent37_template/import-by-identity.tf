import {
  to = agent37_template.console
  identity = {
    name = "console-agent"
  }
}

resource "agent37_template" "console" {
  name      = "console-agent"
  image_ref = "ghcr.io/acme/console-agent:2.0.0"
  ports     = [{ port = 9000, default = true }]
}
