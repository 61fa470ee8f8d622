variable "cluster_name" {
  type = string
}

resource "local_cluster" "main" {
  name = var.cluster_name
}
