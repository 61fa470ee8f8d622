locals {
  n = "a" + 1
}
