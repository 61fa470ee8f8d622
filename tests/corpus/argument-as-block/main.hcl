resource "local_cluster" "main" {
  name = "demo"
  version {
    value = "1.31"
  }
}
