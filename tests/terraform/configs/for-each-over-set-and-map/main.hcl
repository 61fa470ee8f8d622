module "by_set" {
  source   = "./m"
  for_each = toset(["b", "a"])
  name     = each.value
}
module "by_map" {
  source   = "./m"
  for_each = { x = 1, y = 2 }
  name     = "${each.key}=${each.value}"
}
output "set_keys" { value = keys(module.by_set) }
output "map_names" { value = [for k, m in module.by_map : m.name] }
