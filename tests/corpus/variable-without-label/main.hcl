variable {
  default = "x"
}
