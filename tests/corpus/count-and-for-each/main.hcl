resource "local_cluster" "main" {
  count    = 2
  for_each = toset(["a", "b"])
  name     = "demo"
}
