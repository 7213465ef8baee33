# A build is imported by its id; the folder is taken from the configuration at the next apply
# (an in-place update that builds nothing).
import {
  to = agent37_template_build.crawler
  id = "tb_0a1b2c3d4e5f60718293"
}
