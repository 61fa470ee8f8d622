# The Kubernetes layer of the ML platform on a cluster Gantry did not create: a
# company's own servers, or any cluster reachable through a kubeconfig. Nodes are
# chosen by the label gantry.dev/pool, so label them once, e.g.
#   kubectl label node gpu-01 gantry.dev/pool=gpu
#   kubectl label node cpu-01 gantry.dev/pool=cpu
# and taint the GPU nodes nvidia.com/gpu=true:NoSchedule if they are not already.
#
#   gantry plan -var kubeconfig=~/.kube/config -var context=on-prem .

variable "kubeconfig" {
  type        = string
  default     = "~/.kube/config"
  description = "Path to the kubeconfig; ~ is expanded."
}

variable "context" {
  type        = string
  default     = null
  description = "The kubeconfig context; null for its current-context."
}

variable "cpu_pool" {
  type        = string
  default     = "cpu"
  description = "The gantry.dev/pool label of the CPU nodes."
}

variable "gpu_pool" {
  type        = string
  default     = "gpu"
  description = "The gantry.dev/pool label of the GPU nodes."
}

variable "gpu_tolerations" {
  type = list(object({ key = string, operator = string, effect = string }))
  default = [
    { key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" },
  ]
  description = "Tolerations for the taints of the GPU nodes."
}

variable "kafka_brokers" {
  type    = number
  default = 3
}

provider "kubernetes" {
  config_path    = var.kubeconfig
  config_context = var.context
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
  pool   = var.cpu_pool
}

module "kafka" {
  source  = "../../modules/kafka"
  brokers = var.kafka_brokers
  pool    = var.cpu_pool
  topics = {
    inference-requests = { partitions = 12, retention_ms = 86400000 }
  }
}

module "spark" {
  source        = "../../modules/spark"
  operator_pool = var.cpu_pool
  applications = {
    feature-etl = {
      image           = "apache/spark:3.5.3"
      main_file       = "local:///opt/spark/examples/jars/spark-examples_2.12-3.5.3.jar"
      main_class      = "org.apache.spark.examples.SparkPi"
      pool            = var.cpu_pool
      executors       = 2
      executor_cores  = 2
      executor_memory = "4g"
    }
  }
}

module "llm" {
  source       = "../../modules/model-serving"
  name         = "llm"
  namespace    = kubernetes_manifest.namespace["serving"].object.metadata.name
  image        = "vllm/vllm-openai:v0.6.3"
  model_uri    = "meta-llama/Llama-3.1-8B-Instruct"
  pool         = var.gpu_pool
  tolerations  = var.gpu_tolerations
  cpu          = "3"
  memory       = "12Gi"
  gpus         = 1
  replicas     = 1
  max_replicas = 2
}

module "finetune" {
  source          = "../../modules/training-job"
  name            = "finetune"
  namespace       = kubernetes_manifest.namespace["training"].object.metadata.name
  image           = "nvcr.io/nvidia/pytorch:24.09-py3"
  command         = ["torchrun", "--nproc-per-node=1", "train.py"]
  workers         = 1
  gpus_per_worker = 1
  cpu             = "4"
  memory          = "32Gi"
  artifact_uri    = "s3://ml-artifacts/finetune/llama-3.1-8b"
  pool            = var.gpu_pool
  tolerations     = var.gpu_tolerations
}

output "grafana_url" {
  value = module.monitoring.grafana_url
}

output "kafka_bootstrap_servers" {
  value = module.kafka.bootstrap_servers
}
