# The AWS layer of an ML platform: a VPC with two subnets, the IAM roles EKS needs,
# an EKS cluster, a GPU node group on spot capacity (tainted so that only GPU
# workloads land there) and a CPU node group for everything else. The training
# pool and everything that runs in the cluster are in platform.hcl.
#
# Real AWS: credentials and region come from the standard chain (environment,
# profile, SSO, web identity, instance metadata). An emulator such as moto:
#   gantry apply -var endpoint_url=http://127.0.0.1:5000 .

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "endpoint_url" {
  type        = string
  default     = null
  description = "Send every AWS request here instead (an emulator); null for real AWS."
}

variable "cluster_name" {
  type    = string
  default = "ml-platform"
}

variable "kubernetes_version" {
  type    = string
  default = "1.31"
}

variable "gpu_instance_type" {
  type        = string
  default     = "g6.xlarge"
  description = "One NVIDIA L4 per node; g5 (A10G), p4d (A100) and p5 (H100) work the same way."
}

variable "gpu_max_size" {
  type    = number
  default = 4
}

variable "gpu_taint_effect" {
  type    = string
  default = "NO_SCHEDULE"
}

provider "aws" {
  region       = var.region
  endpoint_url = var.endpoint_url
}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 2)
  tags = {
    "gantry.dev/stack" = var.cluster_name
  }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = var.cluster_name })
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 4, count.index)
  availability_zone = local.azs[count.index]
  tags = merge(local.tags, {
    Name                                        = "${var.cluster_name}-private-${count.index}"
    "kubernetes.io/role/internal-elb"           = "1"
    "kubernetes.io/cluster/${var.cluster_name}" = "shared"
  })
}

resource "aws_security_group" "cluster" {
  name        = "${var.cluster_name}-cluster"
  description = "Extra rules for the EKS control plane"
  vpc_id      = aws_vpc.main.id
  tags        = local.tags
}

resource "aws_iam_role" "cluster" {
  name = "${var.cluster_name}-cluster"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_iam_role" "node" {
  name = "${var.cluster_name}-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "node_worker" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
}

resource "aws_iam_role_policy_attachment" "node_cni" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
}

resource "aws_iam_role_policy_attachment" "node_ecr" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
}

resource "aws_eks_cluster" "main" {
  name     = var.cluster_name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_public_access  = true
    endpoint_private_access = true
  }

  tags       = local.tags
  depends_on = [aws_iam_role_policy_attachment.cluster]
}

resource "aws_eks_node_group" "cpu" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "cpu"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = aws_subnet.private[*].id
  instance_types  = ["m6i.xlarge"]
  ami_type        = "AL2023_x86_64_STANDARD"
  capacity_type   = "ON_DEMAND"
  disk_size       = 50

  scaling_config {
    min_size     = 1
    max_size     = 3
    desired_size = 2
  }

  labels = {
    workload          = "general"
    "gantry.dev/pool" = "cpu"
  }

  tags = local.tags
  depends_on = [
    aws_iam_role_policy_attachment.node_worker,
    aws_iam_role_policy_attachment.node_cni,
    aws_iam_role_policy_attachment.node_ecr,
  ]
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "gpu"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = aws_subnet.private[*].id
  instance_types  = [var.gpu_instance_type]
  ami_type        = "AL2023_x86_64_NVIDIA"
  capacity_type   = "SPOT"
  disk_size       = 200

  # desired_size is left out on purpose: the cluster autoscaler owns it, and a
  # value it sets is not drift. min_size is where a new group starts.
  scaling_config {
    min_size = 0
    max_size = var.gpu_max_size
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload                   = "gpu"
    "gantry.dev/pool"          = "gpu"
    "nvidia.com/gpu.present"   = "true"
    "gantry.dev/instance-type" = var.gpu_instance_type
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = var.gpu_taint_effect
  }

  tags = local.tags
  depends_on = [
    aws_iam_role_policy_attachment.node_worker,
    aws_iam_role_policy_attachment.node_cni,
    aws_iam_role_policy_attachment.node_ecr,
  ]
}

output "cluster_endpoint" {
  value = aws_eks_cluster.main.endpoint
}

output "cluster_ca" {
  value     = aws_eks_cluster.main.certificate_authority[0].data
  sensitive = true
}

output "gpu_node_group" {
  value = aws_eks_node_group.gpu.id
}
