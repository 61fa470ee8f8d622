resource "local_node_pool" "p" {
  cluster_name    = "c"
  node_group_name = "p"
  instance_types  = ["m6i.xlarg"]
  scaling_config {
    min_size     = 1
    max_size     = 1
    desired_size = 1
  }
}
