resource "local_cluster" "a" {
  name = local_cluster.b.id
}

resource "local_cluster" "b" {
  name = local_cluster.a.id
}
