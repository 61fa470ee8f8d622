resource "local_node_pool" "p" {
  cluster_name    = "demo"
  node_group_name = "cpu"
  scaling_config {
    min_size     = 1
    max_size     = 2
    desired_size = 1
  }
}
