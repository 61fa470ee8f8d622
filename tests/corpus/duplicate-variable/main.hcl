variable "region" {
  default = "a"
}

variable "region" {
  default = "b"
}
