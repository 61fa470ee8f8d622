resource "local_cluster" "main" {
  for_each = 3
  name     = "demo"
}
