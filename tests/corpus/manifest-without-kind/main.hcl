provider "kubernetes" {
  local_cluster = "c"
}

resource "kubernetes_manifest" "m" {
  manifest = {
    apiVersion = "v1"
    metadata   = { name = "x" }
  }
}
