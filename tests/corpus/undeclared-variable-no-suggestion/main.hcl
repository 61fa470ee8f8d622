output "x" {
  value = var.nothing
}
