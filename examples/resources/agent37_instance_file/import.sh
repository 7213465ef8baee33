# A file is imported by its instance id and its path (the id is cut at the first `/`).
terraform import agent37_instance_file.search_skill k3x9q2m7pa/skills/search.md
