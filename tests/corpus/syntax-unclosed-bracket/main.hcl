locals {
  zones = ["a", "b"
}
