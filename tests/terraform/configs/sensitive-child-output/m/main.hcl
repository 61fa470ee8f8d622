output "token" {
  value     = sensitive("x")
  sensitive = true
}
