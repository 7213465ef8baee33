# A template is imported by its name.
terraform import agent37_template.support support-agent
