resource "local_node_pool" "p" {
  cluster_name    = "demo"
  node_group_name = "cpu"
  instance_types  = ["m6i.xlarge"]
  scaling_config {
    min_size     = 1
    max_size     = 2
    desired_size = 1
  }
  tolerations {
    key = "x"
  }
}
