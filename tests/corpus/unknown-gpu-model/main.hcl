resource "local_node_pool" "p" {
  cluster_name    = "c"
  node_group_name = "p"
  gpu {
    model = "a100x"
    count = 1
  }
  scaling_config {
    min_size     = 1
    max_size     = 1
    desired_size = 1
  }
}
