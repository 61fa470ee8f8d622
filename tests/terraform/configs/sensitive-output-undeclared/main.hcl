variable "token" {
  default   = "hunter2"
  sensitive = true
}
output "token" { value = var.token }
