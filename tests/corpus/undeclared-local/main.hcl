locals {
  prefix = "demo"
}

resource "local_cluster" "main" {
  name = local.prefx
}
