# A public port is imported by its instance id and port: <instance_id>/<port>.
import {
  to = agent37_instance_public_port.hooks
  id = "k3x9q2m7pa/9100"
}
