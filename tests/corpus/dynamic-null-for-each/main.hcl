variable "taints" {
  default = null
}

resource "local_node_pool" "gpu" {
  cluster_name    = "demo"
  node_group_name = "gpu"
  instance_types  = ["g6.xlarge"]

  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 1
  }

  dynamic "taint" {
    for_each = var.taints
    iterator = t
    content {
      key    = t.value.key
      effect = t.value.effect
    }
  }
}
