variable "gpu_nodes" {
  type    = number
  default = 1
  validation {
    condition     = var.gpu_nodes <= 8
    error_message = "gpu_nodes must be at most 8."
  }
}
