variable "names" {
  type    = list(string)
  default = ["a", "b"]
}
module "m" {
  source   = "./m"
  for_each = var.names
}
