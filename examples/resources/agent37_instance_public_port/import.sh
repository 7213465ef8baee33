# A public port is imported by its instance id and port.
terraform import agent37_instance_public_port.hooks k3x9q2m7pa/9100
