output "endpoint" {
  value = module.network.id
}
