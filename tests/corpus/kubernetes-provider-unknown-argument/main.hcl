provider "kubernetes" {
  local_clustr = "demo"
}
