locals {
  n = lenght(["a", "b"])
}
