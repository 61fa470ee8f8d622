output "cluster_name" {
  value = "demo"
}
