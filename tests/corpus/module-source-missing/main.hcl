module "child" {
  source = "./does-not-exist"
}
