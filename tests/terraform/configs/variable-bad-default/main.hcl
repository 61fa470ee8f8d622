variable "replicas" {
  type    = number
  default = "three"
}
output "r" { value = var.replicas }
