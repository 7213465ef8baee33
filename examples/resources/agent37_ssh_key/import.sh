# An SSH key is imported by its id (the agent37_ssh_keys data source or `terraform query` shows it).
terraform import agent37_ssh_key.ci 703eda28a72967dcfa7ba935
