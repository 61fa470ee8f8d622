module "child" {
  source       = "./child"
  cluster_name = "demo"
  clustr_size  = 3
}
