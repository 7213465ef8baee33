import {
  to = agent37_instance_integration.gmail
  identity = {
    instance_id          = "k3x9q2m7pa"
    connected_account_id = "ca_9d4e1f7a2b3c"
  }
}
