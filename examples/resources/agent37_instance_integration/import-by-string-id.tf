# A connection is imported by <instance_id>/<connected_account_id>.
import {
  to = agent37_instance_integration.gmail
  id = "k3x9q2m7pa/ca_9d4e1f7a2b3c"
}
