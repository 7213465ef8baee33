# A connection is imported by its instance id and Composio's connected account id.
terraform import agent37_instance_integration.gmail k3x9q2m7pa/ca_9d4e1f7a2b3c
