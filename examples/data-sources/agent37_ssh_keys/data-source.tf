data "agent37_ssh_keys" "all" {}

output "key_names" {
  value = [for k in data.agent37_ssh_keys.all.keys : k.name]
}
