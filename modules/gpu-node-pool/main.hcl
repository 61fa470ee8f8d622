# A GPU node pool: the cheapest instance type with the asked GPUs (or an
# explicit one), tainted nvidia.com/gpu so only pods that ask for GPUs land
# there, and the NVIDIA device plugin that makes the GPUs schedulable. The same
# inputs make a pool of the embedded simulator (target = "local") or an EKS
# managed node group (target = "aws").

variable "target" {
  type        = string
  default     = "local"
  description = "Where the nodes come from: local (the embedded simulator) or aws (an EKS managed node group)."
  validation {
    condition     = contains(["local", "aws"], var.target)
    error_message = "target must be local or aws."
  }
}

variable "aws" {
  type = object({
    node_role_arn = string
    subnet_ids    = list(string)
    ami_type      = optional(string, "AL2023_x86_64_NVIDIA")
    disk_size     = optional(number, 200)
    tags          = optional(map(string), {})
  })
  default     = null
  description = "EKS settings, required when target = aws: the node IAM role, the subnets, and optionally the AMI type, disk size (GiB) and tags."
}

variable "cluster_name" {
  type = string
}

variable "name" {
  type        = string
  description = "Pool name; nodes carry the label gantry.dev/pool = name."
}

variable "gpu" {
  type        = object({ model = string, count = number })
  description = "GPU model and count per node, e.g. { model = \"a100\", count = 8 }."
}

variable "instance_type" {
  type        = string
  default     = null
  description = "An explicit instance type; overrides the choice made from gpu."
}

variable "min_size" {
  type    = number
  default = 0
}

variable "max_size" {
  type = number
}

variable "desired_size" {
  type    = number
  default = 0
}

variable "spot" {
  type    = bool
  default = false
}

variable "labels" {
  type    = map(string)
  default = {}
}

variable "taint" {
  type        = object({ key = string, value = optional(string, ""), effect = string })
  default     = null
  description = "One taint besides nvidia.com/gpu, AWS spelling (NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE)."
}

variable "device_plugin_image" {
  type    = string
  default = "nvcr.io/nvidia/k8s-device-plugin:v0.16.2"
}

locals {
  # nvidia.com/gpu.present is what NVIDIA's GPU feature discovery sets; the
  # monitoring module's DCGM exporter selects GPU nodes by it.
  labels         = merge(var.labels, { "gantry.dev/pool" = var.name, "nvidia.com/gpu.present" = "true" })
  capacity_type  = var.spot ? "SPOT" : "ON_DEMAND"
  instance_types = var.instance_type == null ? null : [var.instance_type]
  on_local       = var.target == "local"
  on_aws         = var.target == "aws"
  # AWS spelling of effects, as both node-pool resources take them.
  taints = concat(
    [{ key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }],
    var.taint == null ? [] : [var.taint],
  )
  tolerations = concat(
    [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }],
    var.taint == null ? [] : [{
      key      = var.taint.key
      operator = "Exists"
      effect   = lookup({ NO_SCHEDULE = "NoSchedule", NO_EXECUTE = "NoExecute", PREFER_NO_SCHEDULE = "PreferNoSchedule" }, var.taint.effect, var.taint.effect)
    }],
  )
}

# Only the resource for the chosen target has an instance, so only its provider
# is ever configured: a pool on the simulator needs no AWS credentials.
resource "local_node_pool" "this" {
  count = local.on_local ? 1 : 0

  cluster_name    = var.cluster_name
  node_group_name = var.name
  instance_types  = local.instance_types
  capacity_type   = local.capacity_type
  labels          = local.labels

  gpu {
    model = var.gpu.model
    count = var.gpu.count
  }

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = var.desired_size
  }

  dynamic "taint" {
    for_each = local.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }
}

# On EKS the instance type is chosen by the same rule as the simulator's gpu
# block (the cheapest catalogue type with exactly these GPUs), so a platform
# moved between targets keeps its hardware.
resource "aws_eks_node_group" "this" {
  count = local.on_aws ? 1 : 0

  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = var.aws.node_role_arn
  subnet_ids      = var.aws.subnet_ids
  instance_types  = [var.instance_type != null ? var.instance_type : gpu_instance_type(var.gpu.model, var.gpu.count)]
  ami_type        = var.aws.ami_type
  capacity_type   = local.capacity_type
  disk_size       = var.aws.disk_size
  labels          = local.labels
  tags            = var.aws.tags

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = var.desired_size
  }

  dynamic "taint" {
    for_each = local.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }
}

# Earlier versions of this module kept a pool with an extra taint in a second resource.
moved {
  from = local_node_pool.tainted
  to   = local_node_pool.this
}

# One device plugin per pool, pinned to it, so pools can be added and removed
# independently. Manifest after NVIDIA's static deployment (nvidia-device-plugin.yml).
resource "kubernetes_manifest" "device_plugin" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "DaemonSet"
    metadata = {
      name      = "nvidia-device-plugin-${var.name}"
      namespace = "kube-system"
      labels    = { "app.kubernetes.io/name" = "nvidia-device-plugin", "gantry.dev/pool" = var.name }
    }
    spec = {
      selector       = { matchLabels = { name = "nvidia-device-plugin-${var.name}" } }
      updateStrategy = { type = "RollingUpdate" }
      template = {
        metadata = { labels = { name = "nvidia-device-plugin-${var.name}" } }
        spec = {
          nodeSelector      = { "gantry.dev/pool" = var.name }
          tolerations       = local.tolerations
          priorityClassName = "system-node-critical"
          containers = [{
            name  = "nvidia-device-plugin-ctr"
            image = var.device_plugin_image
            env   = [{ name = "FAIL_ON_INIT_ERROR", value = "false" }]
            securityContext = {
              allowPrivilegeEscalation = false
              capabilities             = { drop = ["ALL"] }
            }
            resources    = { requests = { cpu = "50m", memory = "64Mi" } }
            volumeMounts = [{ name = "device-plugin", mountPath = "/var/lib/kubelet/device-plugins" }]
          }]
          volumes = [{ name = "device-plugin", hostPath = { path = "/var/lib/kubelet/device-plugins" } }]
        }
      }
    }
  }

  depends_on = [local_node_pool.this, aws_eks_node_group.this]
}

output "name" {
  value = var.name
}

output "instance_type" {
  value = one(concat(local_node_pool.this[*].instance_type, [for g in aws_eks_node_group.this : g.instance_types[0]]))
}

output "hourly_cost_usd" {
  value       = one(concat(local_node_pool.this[*].hourly_cost_usd, local.on_aws ? [null] : []))
  description = "On-demand or spot cost of the pool at its desired size on the simulator; null on AWS, where the plan's cost analysis prices it."
}

output "node_group_id" {
  value       = one(concat(aws_eks_node_group.this[*].id, local_node_pool.this[*].id))
  description = "The provider's ID of the pool (cluster:name on EKS)."
}

output "node_selector" {
  value       = { "gantry.dev/pool" = var.name }
  description = "A nodeSelector that places pods on this pool."
}

output "tolerations" {
  value       = local.tolerations
  description = "Tolerations for every taint of this pool."
}
