# Kafka in KRaft mode (no ZooKeeper): every broker is also a controller, in a
# StatefulSet with a headless Service, a PodDisruptionBudget, one volume per
# broker, and a Job that creates the topics.

variable "namespace" {
  type    = string
  default = "kafka"
}

variable "name" {
  type    = string
  default = "kafka"
}

variable "brokers" {
  type    = number
  default = 3
  validation {
    condition     = var.brokers >= 1 && var.brokers <= 15
    error_message = "brokers must be between 1 and 15 (every broker is a KRaft controller voter)."
  }
}

variable "image" {
  type    = string
  default = "apache/kafka:3.8.0"
}

variable "cluster_id" {
  type        = string
  default     = "gantry-kafka-cluster-01"
  description = "The KRaft cluster ID, fixed so that restarts keep the same metadata log."
}

variable "storage_size" {
  type    = string
  default = "100Gi"
}

variable "storage_class" {
  type    = string
  default = null
}

variable "retention_hours" {
  type    = number
  default = 168
}

variable "topics" {
  type = map(object({
    partitions   = optional(number, 6)
    replication  = optional(number, 3)
    retention_ms = optional(number)
  }))
  default = {}
}

variable "cpu" {
  type    = string
  default = "1"
}

variable "memory" {
  type    = string
  default = "4Gi"
}

variable "pool" {
  type    = string
  default = null
}

locals {
  labels      = { "app.kubernetes.io/name" = var.name, "app.kubernetes.io/component" = "broker" }
  headless    = "${var.name}-headless"
  voters      = join(",", [for i in range(var.brokers) : "${i}@${var.name}-${i}.${local.headless}.${var.namespace}.svc:9093"])
  selector    = var.pool == null ? {} : { "gantry.dev/pool" = var.pool }
  replication = min(3, var.brokers)
  topic_commands = [for name, t in var.topics : join(" ", concat(
    ["/opt/kafka/bin/kafka-topics.sh --bootstrap-server ${var.name}:9092 --create --if-not-exists",
    "--topic ${name} --partitions ${t.partitions} --replication-factor ${min(t.replication, var.brokers)}"],
    t.retention_ms == null ? [] : ["--config retention.ms=${t.retention_ms}"],
  ))]
}

resource "kubernetes_manifest" "namespace" {
  manifest = {
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = { name = var.namespace }
  }
}

resource "kubernetes_manifest" "headless" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = local.headless, namespace = kubernetes_manifest.namespace.object.metadata.name, labels = local.labels }
    spec = {
      clusterIP                = "None"
      publishNotReadyAddresses = true
      selector                 = local.labels
      ports = [
        { name = "broker", port = 9092 },
        { name = "controller", port = 9093 },
      ]
    }
  }
}

resource "kubernetes_manifest" "service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = var.name, namespace = kubernetes_manifest.namespace.object.metadata.name, labels = local.labels }
    spec = {
      selector = local.labels
      ports    = [{ name = "broker", port = 9092, targetPort = 9092 }]
    }
  }
}

resource "kubernetes_manifest" "statefulset" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "StatefulSet"
    metadata   = { name = var.name, namespace = kubernetes_manifest.namespace.object.metadata.name, labels = local.labels }
    spec = {
      serviceName         = local.headless
      replicas            = var.brokers
      podManagementPolicy = "Parallel"
      selector            = { matchLabels = local.labels }
      template = {
        metadata = { labels = local.labels }
        spec = {
          nodeSelector = local.selector
          containers = [{
            name  = "kafka"
            image = var.image
            # The node ID is the pod's ordinal, which only the pod knows.
            command = ["sh", "-c", "export KAFKA_NODE_ID=$${HOSTNAME##*-} KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://$${HOSTNAME}.${local.headless}.${var.namespace}.svc:9092 && exec /etc/kafka/docker/run"]
            env = [
              { name = "CLUSTER_ID", value = var.cluster_id },
              { name = "KAFKA_PROCESS_ROLES", value = "broker,controller" },
              { name = "KAFKA_CONTROLLER_QUORUM_VOTERS", value = local.voters },
              { name = "KAFKA_LISTENERS", value = "PLAINTEXT://:9092,CONTROLLER://:9093" },
              { name = "KAFKA_CONTROLLER_LISTENER_NAMES", value = "CONTROLLER" },
              { name = "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", value = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" },
              { name = "KAFKA_INTER_BROKER_LISTENER_NAME", value = "PLAINTEXT" },
              { name = "KAFKA_LOG_DIRS", value = "/var/lib/kafka/data" },
              { name = "KAFKA_LOG_RETENTION_HOURS", value = tostring(var.retention_hours) },
              { name = "KAFKA_DEFAULT_REPLICATION_FACTOR", value = tostring(local.replication) },
              { name = "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", value = tostring(local.replication) },
              { name = "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", value = tostring(local.replication) },
              { name = "KAFKA_MIN_INSYNC_REPLICAS", value = tostring(max(1, local.replication - 1)) },
            ]
            ports = [
              { name = "broker", containerPort = 9092 },
              { name = "controller", containerPort = 9093 },
            ]
            readinessProbe = { tcpSocket = { port = 9092 }, periodSeconds = 10 }
            resources = {
              requests = { cpu = var.cpu, memory = var.memory }
              limits   = { memory = var.memory }
            }
            volumeMounts = [{ name = "data", mountPath = "/var/lib/kafka/data" }]
          }]
        }
      }
      volumeClaimTemplates = [{
        metadata = { name = "data" }
        spec = merge(
          {
            accessModes = ["ReadWriteOnce"]
            resources   = { requests = { storage = var.storage_size } }
          },
          var.storage_class == null ? {} : { storageClassName = var.storage_class },
        )
      }]
    }
  }

  depends_on = [kubernetes_manifest.headless]
}

resource "kubernetes_manifest" "disruption_budget" {
  manifest = {
    apiVersion = "policy/v1"
    kind       = "PodDisruptionBudget"
    metadata   = { name = var.name, namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      maxUnavailable = 1
      selector       = { matchLabels = local.labels }
    }
  }
}

resource "kubernetes_manifest" "topics" {
  count = length(var.topics) > 0 ? 1 : 0

  manifest = {
    apiVersion = "batch/v1"
    kind       = "Job"
    metadata   = { name = "${var.name}-topics", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      backoffLimit = 10
      template = {
        spec = {
          restartPolicy = "OnFailure"
          nodeSelector  = local.selector
          containers = [{
            name      = "create-topics"
            image     = var.image
            command   = ["sh", "-c", join(" && ", local.topic_commands)]
            resources = { requests = { cpu = "100m", memory = "512Mi" } }
          }]
        }
      }
    }
  }

  depends_on = [kubernetes_manifest.statefulset, kubernetes_manifest.service]
}

output "bootstrap_servers" {
  value = "${var.name}.${var.namespace}.svc:9092"
}
