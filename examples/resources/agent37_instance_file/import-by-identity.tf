import {
  to = agent37_instance_file.search_skill
  identity = {
    instance_id = "k3x9q2m7pa"
    path        = "skills/search.md"
  }
}
