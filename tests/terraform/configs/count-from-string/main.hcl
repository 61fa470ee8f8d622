module "m" {
  source = "./m"
  count  = "2"
}
output "n" { value = length(module.m) }
