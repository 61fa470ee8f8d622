resource "local_cluster" "main" {
  count = "two"
  name  = "demo"
}
