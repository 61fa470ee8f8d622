# A small ML cluster on the embedded simulator: a CPU pool, a GPU pool, and a
# model server that asks for one GPU. No cloud account or credentials needed.

variable "cluster_name" {
  type        = string
  default     = "quickstart"
  description = "Name of the simulated cluster."
}

variable "gpu_nodes" {
  type    = number
  default = 1
  validation {
    condition     = var.gpu_nodes >= 0 && var.gpu_nodes <= 8
    error_message = "gpu_nodes must be between 0 and 8."
  }
}

locals {
  namespace = "serving"
  labels = {
    "app.kubernetes.io/part-of" = "quickstart"
  }
}

provider "local" {}

provider "kubernetes" {
  local_cluster = local_cluster.main.name
}

resource "local_cluster" "main" {
  name    = var.cluster_name
  version = "1.31"
}

resource "local_node_pool" "cpu" {
  cluster_name    = local_cluster.main.name
  node_group_name = "cpu"
  instance_types  = ["m6i.xlarge"]
  capacity_type   = "ON_DEMAND"

  scaling_config {
    min_size     = 1
    max_size     = 3
    desired_size = 2
  }

  labels = {
    workload = "general"
  }
}

resource "local_node_pool" "gpu" {
  cluster_name    = local_cluster.main.name
  node_group_name = "gpu"
  capacity_type   = "SPOT"

  gpu {
    model = "a10g"
    count = 1
  }

  scaling_config {
    min_size     = 0
    max_size     = 4
    desired_size = var.gpu_nodes
  }

  labels = {
    workload = "inference"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}

resource "kubernetes_manifest" "namespace" {
  manifest = {
    apiVersion = "v1"
    kind       = "Namespace"
    metadata = {
      name   = local.namespace
      labels = local.labels
    }
  }
}

resource "kubernetes_manifest" "model_server" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata = {
      name      = "llm"
      namespace = kubernetes_manifest.namespace.object.metadata.name
      labels    = local.labels
    }
    spec = {
      replicas = 1
      selector = { matchLabels = { app = "llm" } }
      template = {
        metadata = { labels = { app = "llm" } }
        spec = {
          nodeSelector = { workload = "inference" }
          tolerations = [{
            key      = "nvidia.com/gpu"
            operator = "Exists"
            effect   = "NoSchedule"
          }]
          containers = [{
            name  = "server"
            image = "vllm/vllm-openai:v0.6.3"
            args  = ["--model", "meta-llama/Llama-3.2-1B-Instruct"]
            ports = [{ containerPort = 8000 }]
            resources = {
              requests = { cpu = "2", memory = "8Gi", "nvidia.com/gpu" = 1 }
              limits   = { "nvidia.com/gpu" = 1 }
            }
          }]
        }
      }
    }
  }

  depends_on = [local_node_pool.gpu]
}

resource "kubernetes_manifest" "model_service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata = {
      name      = "llm"
      namespace = kubernetes_manifest.namespace.object.metadata.name
    }
    spec = {
      selector = { app = "llm" }
      ports    = [{ port = 80, targetPort = 8000 }]
    }
  }
}

output "cluster_endpoint" {
  value       = local_cluster.main.endpoint
  description = "API endpoint of the simulated cluster."
}

output "gpu_instance_type" {
  value = local_node_pool.gpu.instance_type
}

output "hourly_cost_usd" {
  value = local_node_pool.cpu.hourly_cost_usd + local_node_pool.gpu.hourly_cost_usd
}
