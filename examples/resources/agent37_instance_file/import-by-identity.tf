import {
  to = agent37_instance_file.avatar
  identity = {
    instance_id = "k3x9q2m7pa"
    path        = ".hermes/avatar.png"
  }
}
