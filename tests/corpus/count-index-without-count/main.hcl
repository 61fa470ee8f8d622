resource "local_cluster" "main" {
  name = "demo-${count.index}"
}
