variable "n" {
  type    = number
  default = "5"
}
variable "flags" {
  type    = list(string)
  default = [1, true, "x"]
}
variable "obj" {
  type = object({
    name = string
    size = optional(number, 2)
  })
  default = { name = "a" }
}
output "n" { value = var.n + 1 }
output "flags" { value = var.flags }
output "obj" { value = var.obj }
