resource "local_cluster" "main" {
  name = each.key
}
