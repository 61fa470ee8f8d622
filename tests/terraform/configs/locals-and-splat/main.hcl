locals {
  pools = [
    { name = "gpu", size = 2 },
    { name = "cpu", size = 5 },
  ]
  names  = local.pools[*].name
  total  = sum(local.pools[*].size)
  byname = { for p in local.pools : p.name => p.size }
  grouped = { for p in local.pools : (p.size > 3 ? "big" : "small") => p.name... }
}
output "names" { value = local.names }
output "total" { value = local.total }
output "byname" { value = local.byname }
output "grouped" { value = local.grouped }
