module "m" {
  source = "./m"
}
output "token" { value = module.m.token }
