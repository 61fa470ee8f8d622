locals {
  x = { a = 1, a = 2 }
}
output "x" { value = local.x }
