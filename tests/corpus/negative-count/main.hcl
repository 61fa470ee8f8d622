resource "local_cluster" "main" {
  count = -1
  name  = "demo"
}
