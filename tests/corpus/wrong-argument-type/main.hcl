resource "local_cluster" "main" {
  name = [1, 2]
}
