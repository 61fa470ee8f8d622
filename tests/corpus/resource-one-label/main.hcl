resource "local_cluster" {
  name = "demo"
}
