resource "local_cluster" "main" {
  name    = "demo"
  version = local_cluster.main.name
}
