import {
  to = agent37_template.support
  identity = {
    name = "support-agent"
  }
}
