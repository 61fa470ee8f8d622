output "x" {
  value     = 1
  sensitiv = true
}
