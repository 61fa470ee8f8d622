module "child" {
  source = "./child"
}

module "child" {
  source = "./child"
}
