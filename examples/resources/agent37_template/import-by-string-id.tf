# A template is imported by its name.
import {
  to = agent37_template.support
  id = "support-agent"
}
