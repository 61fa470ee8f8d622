resource "local_cluster" "main" {
  for_each = [1, 2]
  name     = "demo"
}
