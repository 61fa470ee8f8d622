locals {
  zones = ["a", "b"]
  z     = local.zones[5]
}
