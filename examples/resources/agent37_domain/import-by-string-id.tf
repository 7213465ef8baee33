# A custom domain is imported by its name.
import {
  to = agent37_domain.bots
  id = "bots-example.net"
}
