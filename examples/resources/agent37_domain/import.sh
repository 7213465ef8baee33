# A custom domain is imported by its name.
terraform import agent37_domain.bots bots-example.net
