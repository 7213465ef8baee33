# An SSH key is imported by its id; the configuration still needs `public_key`, which the API
# never returns.
import {
  to = agent37_ssh_key.ci
  id = "703eda28a72967dcfa7ba935"
}
