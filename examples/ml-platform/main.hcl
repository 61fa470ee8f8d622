# An ML platform on the embedded simulator: an A100 training pool, a GPU
# serving pool (A10G or L4), a CPU pool; Spark, Kafka and monitoring on the CPU
# pool; an autoscaled LLM server and a two-worker training job on the GPUs.
# `gantry plan` shows whether it all fits and what it costs.

variable "cluster_name" {
  type    = string
  default = "ml-platform"
}

variable "serving_gpu_model" {
  type    = string
  default = "a10g"
  validation {
    condition     = contains(["a10g", "l4"], var.serving_gpu_model)
    error_message = "serving_gpu_model must be a10g or l4."
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

module "train_pool" {
  source       = "../../modules/gpu-node-pool"
  cluster_name = local_cluster.main.name
  name         = "train"
  gpu          = { model = "a100", count = 8 }
  min_size     = 0
  max_size     = 2
  desired_size = 2
  labels       = { workload = "training" }
}

module "serve_pool" {
  source       = "../../modules/gpu-node-pool"
  cluster_name = local_cluster.main.name
  name         = "serve"
  gpu          = { model = var.serving_gpu_model, count = 1 }
  min_size     = 1
  max_size     = 4
  desired_size = 1
  spot         = true
  labels       = { workload = "inference" }
}

module "cpu_pool" {
  source        = "../../modules/cpu-node-pool"
  cluster_name  = local_cluster.main.name
  name          = "cpu"
  instance_type = "m6i.2xlarge"
  min_size      = 2
  max_size      = 6
  desired_size  = 3
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
  pool   = module.cpu_pool.name
}

module "kafka" {
  source  = "../../modules/kafka"
  brokers = 3
  pool    = module.cpu_pool.name
  topics = {
    inference-requests = { partitions = 12, retention_ms = 86400000 }
    training-events    = {}
  }
}

module "spark" {
  source        = "../../modules/spark"
  operator_pool = module.cpu_pool.name
  applications = {
    feature-etl = {
      image           = "apache/spark:3.5.3"
      main_file       = "local:///opt/spark/examples/jars/spark-examples_2.12-3.5.3.jar"
      main_class      = "org.apache.spark.examples.SparkPi"
      pool            = module.cpu_pool.name
      executors       = 4
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
  pool         = module.serve_pool.name
  tolerations  = module.serve_pool.tolerations
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

output "hourly_cost_usd" {
  value = module.train_pool.hourly_cost_usd + module.serve_pool.hourly_cost_usd + module.cpu_pool.hourly_cost_usd
}

output "grafana_url" {
  value = module.monitoring.grafana_url
}

output "kafka_bootstrap_servers" {
  value = module.kafka.bootstrap_servers
}
