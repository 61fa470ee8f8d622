variable "cluster_name" {
  type    = string
  default = "demo"
}

resource "local_cluster" "main" {
  name = var.cluster_nam
}
