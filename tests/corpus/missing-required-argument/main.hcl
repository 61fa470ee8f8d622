resource "local_cluster" "main" {
  version = "1.31"
}
