module "outer" {
  source = "./outer"
}
output "paths" { value = module.outer.paths }
output "root" { value = path.module }
