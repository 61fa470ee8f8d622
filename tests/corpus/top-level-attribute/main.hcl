name = "demo"
