module "inner" {
  source = "./inner"
}
output "paths" { value = [path.module, module.inner.path] }
