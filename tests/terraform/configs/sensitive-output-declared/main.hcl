variable "token" {
  default   = "hunter2"
  sensitive = true
}
output "token" {
  value     = var.token
  sensitive = true
}
output "length" { value = nonsensitive(length(var.token)) }
