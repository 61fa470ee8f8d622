# The Kubeflow Spark operator (CRDs, RBAC, controller Deployment) and
# SparkApplications whose driver and executors run on a chosen pool.

variable "namespace" {
  type    = string
  default = "spark"
}

variable "operator_image" {
  type    = string
  default = "ghcr.io/kubeflow/spark-operator/controller:2.0.2"
}

variable "operator_pool" {
  type        = string
  default     = null
  description = "Pool for the operator itself (nodeSelector gantry.dev/pool); anywhere when null."
}

variable "applications" {
  type = map(object({
    image           = string
    main_file       = string
    main_class      = optional(string)
    arguments       = optional(list(string), [])
    spark_version   = optional(string, "3.5.3")
    pool            = string
    driver_cores    = optional(number, 1)
    driver_memory   = optional(string, "2g")
    executors       = optional(number, 2)
    executor_cores  = optional(number, 2)
    executor_memory = optional(string, "4g")
    tolerations     = optional(list(object({ key = string, operator = string, effect = string })), [])
  }))
  default     = {}
  description = "SparkApplications by name; memory in Spark's notation (512m, 4g)."
}

locals {
  operator_selector = var.operator_pool == null ? {} : { "gantry.dev/pool" = var.operator_pool }
  crd_schema = {
    openAPIV3Schema = {
      type = "object"
      properties = {
        spec   = { type = "object", "x-kubernetes-preserve-unknown-fields" = true }
        status = { type = "object", "x-kubernetes-preserve-unknown-fields" = true }
      }
    }
  }
  crds = {
    sparkapplications          = { kind = "SparkApplication", short = ["sparkapp"] }
    scheduledsparkapplications = { kind = "ScheduledSparkApplication", short = ["scheduledsparkapp"] }
  }
}

resource "kubernetes_manifest" "namespace" {
  manifest = {
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = { name = var.namespace }
  }
}

resource "kubernetes_manifest" "crd" {
  for_each = local.crds

  manifest = {
    apiVersion = "apiextensions.k8s.io/v1"
    kind       = "CustomResourceDefinition"
    metadata   = { name = "${each.key}.sparkoperator.k8s.io" }
    spec = {
      group = "sparkoperator.k8s.io"
      scope = "Namespaced"
      names = { plural = each.key, singular = lower(each.value.kind), kind = each.value.kind, shortNames = each.value.short }
      versions = [{
        name         = "v1beta2"
        served       = true
        storage      = true
        schema       = local.crd_schema
        subresources = { status = {} }
      }]
    }
  }
}

resource "kubernetes_manifest" "operator_account" {
  manifest = {
    apiVersion = "v1"
    kind       = "ServiceAccount"
    metadata   = { name = "spark-operator", namespace = kubernetes_manifest.namespace.object.metadata.name }
  }
}

resource "kubernetes_manifest" "operator_role" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRole"
    metadata   = { name = "spark-operator" }
    rules = [
      { apiGroups = [""], resources = ["pods", "services", "configmaps", "persistentvolumeclaims"], verbs = ["*"] },
      { apiGroups = [""], resources = ["events"], verbs = ["create", "update", "patch"] },
      { apiGroups = [""], resources = ["nodes"], verbs = ["get", "list", "watch"] },
      { apiGroups = ["networking.k8s.io"], resources = ["ingresses"], verbs = ["*"] },
      { apiGroups = ["sparkoperator.k8s.io"], resources = ["sparkapplications", "scheduledsparkapplications", "sparkapplications/status", "scheduledsparkapplications/status", "sparkapplications/finalizers", "scheduledsparkapplications/finalizers"], verbs = ["*"] },
      { apiGroups = ["coordination.k8s.io"], resources = ["leases"], verbs = ["*"] },
    ]
  }
}

resource "kubernetes_manifest" "operator_binding" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRoleBinding"
    metadata   = { name = "spark-operator" }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = "spark-operator" }
    subjects   = [{ kind = "ServiceAccount", name = "spark-operator", namespace = var.namespace }]
  }
}

# The account drivers run as: they create and watch their executors.
resource "kubernetes_manifest" "driver_account" {
  manifest = {
    apiVersion = "v1"
    kind       = "ServiceAccount"
    metadata   = { name = "spark", namespace = kubernetes_manifest.namespace.object.metadata.name }
  }
}

resource "kubernetes_manifest" "driver_role" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "Role"
    metadata   = { name = "spark-driver", namespace = kubernetes_manifest.namespace.object.metadata.name }
    rules = [
      { apiGroups = [""], resources = ["pods", "services", "configmaps", "persistentvolumeclaims"], verbs = ["*"] },
    ]
  }
}

resource "kubernetes_manifest" "driver_binding" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "RoleBinding"
    metadata   = { name = "spark-driver", namespace = kubernetes_manifest.namespace.object.metadata.name }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "Role", name = "spark-driver" }
    subjects   = [{ kind = "ServiceAccount", name = "spark", namespace = var.namespace }]
  }
}

resource "kubernetes_manifest" "operator" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "spark-operator", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      replicas = 1
      selector = { matchLabels = { "app.kubernetes.io/name" = "spark-operator" } }
      template = {
        metadata = { labels = { "app.kubernetes.io/name" = "spark-operator" } }
        spec = {
          serviceAccountName = "spark-operator"
          nodeSelector       = local.operator_selector
          containers = [{
            name  = "spark-operator-controller"
            image = var.operator_image
            args  = ["controller", "start", "--namespaces=${var.namespace}", "--leader-election=true", "--leader-election-lock-namespace=${var.namespace}"]
            resources = {
              requests = { cpu = "100m", memory = "256Mi" }
              limits   = { memory = "512Mi" }
            }
          }]
        }
      }
    }
  }

  depends_on = [kubernetes_manifest.crd, kubernetes_manifest.operator_binding]
}

resource "kubernetes_manifest" "application" {
  for_each = var.applications

  manifest = {
    apiVersion = "sparkoperator.k8s.io/v1beta2"
    kind       = "SparkApplication"
    metadata   = { name = each.key, namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = merge(
      {
        type                = "Scala"
        mode                = "cluster"
        image               = each.value.image
        mainApplicationFile = each.value.main_file
        arguments           = each.value.arguments
        sparkVersion        = each.value.spark_version
        restartPolicy       = { type = "Never" }
        driver = {
          cores          = each.value.driver_cores
          memory         = each.value.driver_memory
          serviceAccount = "spark"
          nodeSelector   = { "gantry.dev/pool" = each.value.pool }
          tolerations    = each.value.tolerations
        }
        executor = {
          instances    = each.value.executors
          cores        = each.value.executor_cores
          memory       = each.value.executor_memory
          nodeSelector = { "gantry.dev/pool" = each.value.pool }
          tolerations  = each.value.tolerations
        }
      },
      each.value.main_class == null ? {} : { mainClass = each.value.main_class },
    )
  }

  depends_on = [kubernetes_manifest.crd, kubernetes_manifest.operator, kubernetes_manifest.driver_binding]
}

output "namespace" {
  value = var.namespace
}

output "applications" {
  value = keys(var.applications)
}
