variable "names" {
  type    = list(string)
  default = ["b", "a", "b"]
}
module "m" {
  source   = "./m"
  for_each = toset(var.names)
}
output "keys" { value = keys(module.m) }
