import {
  to = agent37_instance.support
  identity = {
    id = "k3x9q2m7pa"
  }
}
