locals {
  name = "demo"
  n    = local.name.length
}
