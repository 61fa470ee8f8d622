variable "on" { default = true }
output "bad" { value = var.on ? { a = [1] } : { b = "x" } }
