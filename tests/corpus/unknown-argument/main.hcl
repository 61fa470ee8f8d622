resource "local_cluster" "main" {
  name    = "demo"
  verison = "1.31"
}
