module "again" {
  source = "./"
  count  = 2
}
