variable "n" {
  default = 3
  validation {
    condition     = var.n
    error_message = "The number must be small."
  }
}
output "n" { value = var.n }
