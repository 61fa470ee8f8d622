# A training run: a Job, indexed when there are several workers, with GPU
# requests, a retry limit, a deadline and where to write artifacts.

variable "name" {
  type = string
}

variable "namespace" {
  type = string
}

variable "image" {
  type = string
}

variable "command" {
  type    = list(string)
  default = null
}

variable "workers" {
  type        = number
  default     = 1
  description = "Pods run at once; more than one makes an indexed Job (JOB_COMPLETION_INDEX tells each its rank)."
}

variable "gpus_per_worker" {
  type    = number
  default = 1
}

variable "cpu" {
  type    = string
  default = "4"
}

variable "memory" {
  type    = string
  default = "32Gi"
}

variable "backoff_limit" {
  type    = number
  default = 3
}

variable "deadline_seconds" {
  type        = number
  default     = 86400
  description = "activeDeadlineSeconds: the run is stopped after this long."
}

variable "artifact_uri" {
  type        = string
  description = "Where checkpoints and the final model go (s3://bucket/prefix); passed as ARTIFACT_URI."
}

variable "pool" {
  type = string
}

variable "tolerations" {
  type    = list(object({ key = string, operator = string, effect = string }))
  default = null
}

locals {
  labels  = { "app.kubernetes.io/name" = var.name, "app.kubernetes.io/component" = "training" }
  indexed = var.workers > 1
  tolerations = var.tolerations != null ? var.tolerations : (
    var.gpus_per_worker > 0 ? [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }] : []
  )
  gpu_request = var.gpus_per_worker > 0 ? { "nvidia.com/gpu" = var.gpus_per_worker } : {}
  container = merge(
    {
      name  = "trainer"
      image = var.image
      env = [
        { name = "ARTIFACT_URI", value = var.artifact_uri },
        { name = "WORLD_SIZE", value = tostring(var.workers) },
      ]
      resources = {
        requests = merge({ cpu = var.cpu, memory = var.memory }, local.gpu_request)
        limits   = local.gpu_request
      }
    },
    var.command == null ? {} : { command = var.command },
  )
}

resource "kubernetes_manifest" "job" {
  manifest = {
    apiVersion = "batch/v1"
    kind       = "Job"
    metadata   = { name = var.name, namespace = var.namespace, labels = local.labels }
    spec = merge(
      {
        backoffLimit          = var.backoff_limit
        activeDeadlineSeconds = var.deadline_seconds
        parallelism           = var.workers
        completions           = var.workers
        template = {
          metadata = { labels = local.labels }
          spec = {
            restartPolicy = "Never"
            nodeSelector  = { "gantry.dev/pool" = var.pool }
            tolerations   = local.tolerations
            containers    = [local.container]
          }
        }
      },
      local.indexed ? { completionMode = "Indexed" } : {},
    )
  }
}

output "job" {
  value = "${var.namespace}/${var.name}"
}
