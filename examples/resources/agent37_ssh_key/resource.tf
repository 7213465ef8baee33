# An SSH key that opens every instance of the workspace. Usually the key comes from a file:
#   public_key = file(pathexpand("~/.ssh/id_ed25519.pub"))
# The key is write-only (Terraform 1.11 and later): the state keeps its fingerprint instead.
resource "agent37_ssh_key" "ci" {
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILaLgH/WiNU0UD5AyS9fxdCnoP4C3ZGqU/o7Eoq7Xb/1 ci-runner"
  name       = "ci-runner"
}

output "ci_key_fingerprint" {
  value = agent37_ssh_key.ci.fingerprint
}
