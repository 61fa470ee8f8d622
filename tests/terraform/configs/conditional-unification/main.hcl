variable "on" { default = true }
locals {
  tags = var.on ? { team = "ml", size = 3 } : {}
}
output "tags" { value = local.tags }
output "mixed" { value = var.on ? 1 : "none" }
output "list" { value = var.on ? ["a"] : [] }
