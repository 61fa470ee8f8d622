# Locals that the expression corpus refers to; main.hcl, Gantry's copy, must say the same.
locals {
  greeting_template = "Hello, $${name}!"
  list_template     = "%%{ for x in xs }[$${x}]%%{ endfor }"
  self_template     = "$${templatestring(t, {})}"
  numbers           = [3, 1, 2]
}
