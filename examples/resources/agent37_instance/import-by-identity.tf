import {
  to = agent37_instance.batch
  identity = {
    id = "p8d2w6n4tb"
  }
}
