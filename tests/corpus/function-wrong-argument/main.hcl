locals {
  n = upper(["a", "b"])
}
