resource "local_cluster" "main" {
  name = "demo"
}

output "endpoint" {
  value = local_cluster.mian.endpoint
}
