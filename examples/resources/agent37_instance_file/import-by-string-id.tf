# A file is imported by <instance_id>/<path>; configure the same content and nothing is
# written (the hashes match).
import {
  to = agent37_instance_file.search_skill
  id = "k3x9q2m7pa/skills/search.md"
}
