gpu_nodes = 20
