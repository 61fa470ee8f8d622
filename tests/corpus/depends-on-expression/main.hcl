resource "local_cluster" "a" {
  name = "a"
}

resource "local_cluster" "b" {
  name       = "b"
  depends_on = [local_cluster.a.name == "a"]
}
