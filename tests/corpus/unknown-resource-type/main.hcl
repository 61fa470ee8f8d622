resource "local_clster" "main" {
  name = "demo"
}
