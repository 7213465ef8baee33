import {
  to = agent37_instance.support
  id = "k3x9q2m7pa"
}
