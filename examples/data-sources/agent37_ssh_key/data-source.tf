# One key, by exactly one of `id`, `name` or `fingerprint`.
data "agent37_ssh_key" "ci" {
  fingerprint = "SHA256:kj7Vwa6FyYSaniaTv1lG4m+wDcYYTUsut2saaboqVvY"
}

output "ci_key_id" {
  value = data.agent37_ssh_key.ci.id
}
