resorce "local_cluster" "main" {
  name = "demo"
}
