locals {
  text = <<EOT
hello
