# Builds the folder `agent/` next to this file (it needs a `Dockerfile` at its root) into the
# next revision of the workspace template "crawler". Unchanged files plan nothing; any change
# plans a new build, and the instance below moves to the new revision in place.
resource "agent37_template_build" "crawler" {
  name         = "crawler"
  source_dir   = "${path.module}/agent"
  excludes     = [".git", "node_modules", "**/*.log"]
  default_port = 9000
  description  = "Site crawler"

  timeouts {
    create = "45m"
  }
}

resource "agent37_instance" "crawler" {
  name     = "crawler-1"
  template = "${agent37_template_build.crawler.name}@${agent37_template_build.crawler.revision}"
}
