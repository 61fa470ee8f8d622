variable "name" {
  type    = string
  defualt = "x"
}
