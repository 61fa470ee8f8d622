resource "local_cluster" "main" {
  name = "a"
}

resource "local_cluster" "main" {
  name = "b"
}
