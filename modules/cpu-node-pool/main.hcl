# A CPU node pool with the same inputs as gpu-node-pool: an instance type,
# sizes, spot or on-demand, labels and an optional taint, on the embedded
# simulator (target = "local") or as an EKS managed node group (target = "aws").

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
    ami_type      = optional(string, "AL2023_x86_64_STANDARD")
    disk_size     = optional(number, 50)
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

variable "instance_type" {
  type = string
}

variable "min_size" {
  type    = number
  default = 1
}

variable "max_size" {
  type = number
}

variable "desired_size" {
  type    = number
  default = 1
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
  description = "An optional taint, AWS spelling (NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE)."
}

locals {
  labels        = merge(var.labels, { "gantry.dev/pool" = var.name })
  capacity_type = var.spot ? "SPOT" : "ON_DEMAND"
  on_local      = var.target == "local"
  on_aws        = var.target == "aws"
  tolerations = var.taint == null ? [] : [{
    key      = var.taint.key
    operator = "Exists"
    effect   = lookup({ NO_SCHEDULE = "NoSchedule", NO_EXECUTE = "NoExecute", PREFER_NO_SCHEDULE = "PreferNoSchedule" }, var.taint.effect, var.taint.effect)
  }]
}

# Only the resource for the chosen target has an instance, so only its provider
# is ever configured: a pool on the simulator needs no AWS credentials.
resource "local_node_pool" "this" {
  count = local.on_local ? 1 : 0

  cluster_name    = var.cluster_name
  node_group_name = var.name
  instance_types  = [var.instance_type]
  capacity_type   = local.capacity_type
  labels          = local.labels

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = var.desired_size
  }

  dynamic "taint" {
    for_each = var.taint == null ? [] : [var.taint]
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }
}

resource "aws_eks_node_group" "this" {
  count = local.on_aws ? 1 : 0

  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = var.aws.node_role_arn
  subnet_ids      = var.aws.subnet_ids
  instance_types  = [var.instance_type]
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
    for_each = var.taint == null ? [] : [var.taint]
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }
}

# Earlier versions of this module kept a pool with a taint in a second resource.
moved {
  from = local_node_pool.tainted
  to   = local_node_pool.this
}

output "name" {
  value = var.name
}

output "instance_type" {
  value = var.instance_type
}

output "hourly_cost_usd" {
  value       = one(concat(local_node_pool.this[*].hourly_cost_usd, local.on_aws ? [null] : []))
  description = "Cost of the pool at its desired size on the simulator; null on AWS, where the plan's cost analysis prices it."
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
  description = "Tolerations for this pool's taint, if any."
}
