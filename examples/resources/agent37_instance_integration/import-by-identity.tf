import {
  to = agent37_instance_integration.news
  identity = {
    instance_id          = "k3x9q2m7pa"
    connected_account_id = "ca_4b1c9e0d7a2f"
  }
}
