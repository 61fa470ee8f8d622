# A CPU node pool with the same inputs as gpu-node-pool: an instance type,
# sizes, spot or on-demand, labels and an optional taint.

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
  tolerations = var.taint == null ? [] : [{
    key      = var.taint.key
    operator = "Exists"
    effect   = lookup({ NO_SCHEDULE = "NoSchedule", NO_EXECUTE = "NoExecute", PREFER_NO_SCHEDULE = "PreferNoSchedule" }, var.taint.effect, var.taint.effect)
  }]
}

# Gantry has no dynamic blocks yet, so the optional taint is a second variant
# of the resource, chosen by count.
resource "local_node_pool" "this" {
  count = var.taint == null ? 1 : 0

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
}

resource "local_node_pool" "tainted" {
  count = var.taint == null ? 0 : 1

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

  taint {
    key    = try(var.taint.key, "")
    value  = try(var.taint.value, "")
    effect = try(var.taint.effect, "NO_SCHEDULE")
  }
}

output "name" {
  value = var.name
}

output "instance_type" {
  value = var.instance_type
}

output "hourly_cost_usd" {
  value = one(concat(local_node_pool.this[*].hourly_cost_usd, local_node_pool.tainted[*].hourly_cost_usd))
}

output "node_selector" {
  value       = { "gantry.dev/pool" = var.name }
  description = "A nodeSelector that places pods on this pool."
}

output "tolerations" {
  value       = local.tolerations
  description = "Tolerations for this pool's taint, if any."
}
