# A build is imported by the id its create answered (the API cannot list builds).
terraform import agent37_template_build.crawler tb_0a1b2c3d4e5f60718293
