resource "local_node_pool" "p" {
  cluster_name    = "c"
  node_group_name = "p"
  instance_types  = ["m6i.large"]
  scaling_config {
    min_size     = 5
    max_size     = 2
    desired_size = 3
  }
}
