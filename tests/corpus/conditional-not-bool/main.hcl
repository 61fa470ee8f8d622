locals {
  x = "yes" ? 1 : 2
}
