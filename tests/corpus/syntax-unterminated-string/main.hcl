resource "local_cluster" "main" {
  name = "demo
}
