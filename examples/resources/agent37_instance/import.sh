# An instance is imported by its id.
terraform import agent37_instance.support k3x9q2m7pa
