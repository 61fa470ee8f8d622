variable "n" {
  type    = number
  default = 3
  validation {
    condition     = var.n < 10
    error_message = "The number must be small."
  }
}
output "n" { value = var.n }
