# A model server: Deployment with a readiness probe, Service, and a
# HorizontalPodAutoscaler, placed on a named pool with its tolerations.

variable "name" {
  type = string
}

variable "namespace" {
  type = string
}

variable "image" {
  type = string
}

variable "model_uri" {
  type        = string
  description = "Where the model is loaded from (s3://, hf://, a registry name); passed as --model and MODEL_URI."
}

variable "args" {
  type        = list(string)
  default     = []
  description = "Extra server arguments, after --model."
}

variable "port" {
  type    = number
  default = 8000
}

variable "readiness_path" {
  type    = string
  default = "/health"
}

variable "cpu" {
  type    = string
  default = "2"
}

variable "memory" {
  type    = string
  default = "8Gi"
}

variable "gpus" {
  type    = number
  default = 1
}

variable "replicas" {
  type    = number
  default = 1
}

variable "max_replicas" {
  type        = number
  default     = 4
  description = "Upper bound of the autoscaler; the plan checks that this many replicas fit the pool at its max size."
}

variable "target_cpu_utilization" {
  type    = number
  default = 70
}

variable "pool" {
  type        = string
  description = "Name of the node pool to run on (nodeSelector gantry.dev/pool)."
}

variable "tolerations" {
  type        = list(object({ key = string, operator = string, effect = string }))
  default     = null
  description = "Tolerations for the pool's taints; by default nvidia.com/gpu when gpus > 0, none otherwise."
}

locals {
  labels = { "app.kubernetes.io/name" = var.name, "app.kubernetes.io/component" = "model-server" }
  tolerations = var.tolerations != null ? var.tolerations : (
    var.gpus > 0 ? [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }] : []
  )
  gpu_request = var.gpus > 0 ? { "nvidia.com/gpu" = var.gpus } : {}
}

resource "kubernetes_manifest" "deployment" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = var.name, namespace = var.namespace, labels = local.labels }
    spec = {
      replicas = var.replicas
      selector = { matchLabels = local.labels }
      template = {
        metadata = { labels = local.labels }
        spec = {
          nodeSelector = { "gantry.dev/pool" = var.pool }
          tolerations  = local.tolerations
          containers = [{
            name  = "server"
            image = var.image
            args  = concat(["--model", var.model_uri], var.args)
            env   = [{ name = "MODEL_URI", value = var.model_uri }]
            ports = [{ name = "http", containerPort = var.port }]
            readinessProbe = {
              httpGet             = { path = var.readiness_path, port = "http" }
              initialDelaySeconds = 30
              periodSeconds       = 10
              failureThreshold    = 30
            }
            resources = {
              requests = merge({ cpu = var.cpu, memory = var.memory }, local.gpu_request)
              limits   = local.gpu_request
            }
          }]
        }
      }
    }
  }
}

resource "kubernetes_manifest" "service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = var.name, namespace = var.namespace, labels = local.labels }
    spec = {
      selector = local.labels
      ports    = [{ name = "http", port = 80, targetPort = "http" }]
    }
  }
}

resource "kubernetes_manifest" "autoscaler" {
  manifest = {
    apiVersion = "autoscaling/v2"
    kind       = "HorizontalPodAutoscaler"
    metadata   = { name = var.name, namespace = var.namespace, labels = local.labels }
    spec = {
      scaleTargetRef = { apiVersion = "apps/v1", kind = "Deployment", name = var.name }
      minReplicas    = var.replicas
      maxReplicas    = var.max_replicas
      metrics = [{
        type     = "Resource"
        resource = { name = "cpu", target = { type = "Utilization", averageUtilization = var.target_cpu_utilization } }
      }]
    }
  }

  depends_on = [kubernetes_manifest.deployment]
}

output "service" {
  value = "${var.name}.${var.namespace}.svc"
}
