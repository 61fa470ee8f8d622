# The Kubernetes layer, in the same apply as the cluster it runs on: the
# kubernetes provider is configured from aws_eks_cluster.main, so its objects
# are planned as "will be created after its cluster exists" until the cluster is
# there, and planned fully (server-side dry run) once it is. Authentication is
# `aws eks get-token` run by the provider, so a token never sits in state and is
# refreshed when it expires.

variable "kubernetes_host" {
  type        = string
  default     = null
  description = "Send Kubernetes requests here instead of the cluster's endpoint (an API emulator); null for the real cluster."
}

variable "train_max_size" {
  type    = number
  default = 2
}

provider "kubernetes" {
  host                   = var.kubernetes_host != null ? var.kubernetes_host : aws_eks_cluster.main.endpoint
  cluster_ca_certificate = var.kubernetes_host != null ? null : base64decode(aws_eks_cluster.main.certificate_authority[0].data)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    # The cluster's id rather than its name: known only once the cluster exists,
    # so that even with an emulator the provider waits for it.
    args = ["eks", "get-token", "--cluster-name", aws_eks_cluster.main.id, "--region", var.region]
  }
}

# Eight A100s per node for training, from the same module as the simulator's
# pools: the instance type is the catalogue's cheapest with exactly 8 × A100.
module "train_pool" {
  source       = "../../modules/gpu-node-pool"
  target       = "aws"
  cluster_name = aws_eks_cluster.main.name
  name         = "train"
  gpu          = { model = "a100", count = 8 }
  min_size     = 0
  max_size     = var.train_max_size
  desired_size = 0
  labels       = { workload = "training" }
  aws = {
    node_role_arn = aws_iam_role.node.arn
    subnet_ids    = aws_subnet.private[*].id
    tags          = local.tags
  }
}

locals {
  # An empty effect tolerates the taint whatever its effect (var.gpu_taint_effect).
  gpu_tolerations = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "" }]
}

# The serving node group in aws.hcl is declared directly (as a Terraform user
# would port it), so its NVIDIA device plugin is declared here.
resource "kubernetes_manifest" "serving_device_plugin" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "DaemonSet"
    metadata = {
      name      = "nvidia-device-plugin-gpu"
      namespace = "kube-system"
      labels    = { "app.kubernetes.io/name" = "nvidia-device-plugin" }
    }
    spec = {
      selector = { matchLabels = { name = "nvidia-device-plugin-gpu" } }
      template = {
        metadata = { labels = { name = "nvidia-device-plugin-gpu" } }
        spec = {
          nodeSelector      = { "gantry.dev/pool" = "gpu" }
          tolerations       = [{ key = "nvidia.com/gpu", operator = "Exists" }]
          priorityClassName = "system-node-critical"
          containers = [{
            name         = "nvidia-device-plugin-ctr"
            image        = "nvcr.io/nvidia/k8s-device-plugin:v0.16.2"
            resources    = { requests = { cpu = "50m", memory = "64Mi" } }
            volumeMounts = [{ name = "device-plugin", mountPath = "/var/lib/kubelet/device-plugins" }]
          }]
          volumes = [{ name = "device-plugin", hostPath = { path = "/var/lib/kubelet/device-plugins" } }]
        }
      }
    }
  }
  depends_on = [aws_eks_node_group.gpu]
}

resource "kubernetes_manifest" "namespace" {
  for_each = toset(["serving", "training"])

  manifest = {
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = { name = each.key }
  }
}

module "monitoring" {
  source = "../../modules/monitoring"
  pool   = "cpu"
}

module "kafka" {
  source  = "../../modules/kafka"
  brokers = 3
  pool    = "cpu"
  cpu     = "500m"
  memory  = "2Gi"
  topics = {
    inference-requests = { partitions = 12, retention_ms = 86400000 }
  }
}

module "llm" {
  source       = "../../modules/model-serving"
  name         = "llm"
  namespace    = kubernetes_manifest.namespace["serving"].object.metadata.name
  image        = "vllm/vllm-openai:v0.6.3"
  model_uri    = "meta-llama/Llama-3.1-8B-Instruct"
  pool         = "gpu"
  tolerations  = local.gpu_tolerations
  cpu          = "3"
  memory       = "12Gi"
  gpus         = 1
  replicas     = 1
  max_replicas = 4
}

module "finetune" {
  source          = "../../modules/training-job"
  name            = "finetune"
  namespace       = kubernetes_manifest.namespace["training"].object.metadata.name
  image           = "nvcr.io/nvidia/pytorch:24.09-py3"
  command         = ["torchrun", "--nnodes=2", "--nproc-per-node=8", "train.py"]
  workers         = 2
  gpus_per_worker = 8
  cpu             = "32"
  memory          = "256Gi"
  artifact_uri    = "s3://ml-artifacts/finetune/llama-3.1-8b"
  pool            = module.train_pool.name
  tolerations     = module.train_pool.tolerations
}

output "train_instance_type" {
  value = module.train_pool.instance_type
}

output "grafana_url" {
  value = module.monitoring.grafana_url
}
