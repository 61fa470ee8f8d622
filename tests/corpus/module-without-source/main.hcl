module "child" {
  name = "x"
}
