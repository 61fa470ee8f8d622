# Prometheus (scraping nodes, pods and the DCGM GPU exporter), Grafana with its
# datasource and dashboards provisioned from the JSON files in dashboards/,
# and the DCGM exporter on every GPU node.

variable "namespace" {
  type    = string
  default = "monitoring"
}

variable "prometheus_image" {
  type    = string
  default = "prom/prometheus:v2.54.1"
}

variable "grafana_image" {
  type    = string
  default = "grafana/grafana:11.2.2"
}

variable "dcgm_exporter_image" {
  type    = string
  default = "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04"
}

variable "retention" {
  type    = string
  default = "15d"
}

variable "pool" {
  type        = string
  default     = null
  description = "Pool for Prometheus and Grafana (nodeSelector gantry.dev/pool); anywhere when null."
}

locals {
  selector = var.pool == null ? {} : { "gantry.dev/pool" = var.pool }
  sa_dir   = "/var/run/secrets/kubernetes.io/serviceaccount"
  prometheus_config = {
    global = { scrape_interval = "30s", evaluation_interval = "30s" }
    scrape_configs = [
      {
        # Kubelet and cAdvisor metrics of every node, through the API server proxy.
        job_name              = "kubernetes-nodes"
        scheme                = "https"
        tls_config            = { ca_file = "${local.sa_dir}/ca.crt" }
        bearer_token_file     = "${local.sa_dir}/token"
        kubernetes_sd_configs = [{ role = "node" }]
        relabel_configs = [
          { action = "labelmap", regex = "__meta_kubernetes_node_label_(.+)" },
          { target_label = "__address__", replacement = "kubernetes.default.svc:443" },
          { source_labels = ["__meta_kubernetes_node_name"], regex = "(.+)", target_label = "__metrics_path__", replacement = "/api/v1/nodes/$1/proxy/metrics/cadvisor" },
        ]
      },
      {
        # Pods that opt in with the prometheus.io/scrape annotation.
        job_name              = "kubernetes-pods"
        kubernetes_sd_configs = [{ role = "pod" }]
        relabel_configs = [
          { source_labels = ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], action = "keep", regex = "true" },
          { source_labels = ["__meta_kubernetes_pod_annotation_prometheus_io_path"], action = "replace", target_label = "__metrics_path__", regex = "(.+)" },
          { source_labels = ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"], action = "replace", regex = "([^:]+)(?::\\d+)?;(\\d+)", replacement = "$1:$2", target_label = "__address__" },
          { source_labels = ["__meta_kubernetes_namespace"], target_label = "namespace" },
          { source_labels = ["__meta_kubernetes_pod_name"], target_label = "pod" },
        ]
      },
      {
        job_name              = "dcgm-exporter"
        kubernetes_sd_configs = [{ role = "pod", namespaces = { names = [var.namespace] } }]
        relabel_configs = [
          { source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], action = "keep", regex = "dcgm-exporter" },
          { source_labels = ["__meta_kubernetes_pod_container_port_name"], action = "keep", regex = "metrics" },
          { source_labels = ["__meta_kubernetes_pod_node_name"], target_label = "Hostname" },
        ]
      },
    ]
  }
  datasources = {
    apiVersion = 1
    datasources = [{
      name      = "Prometheus"
      uid       = "prometheus"
      type      = "prometheus"
      access    = "proxy"
      url       = "http://prometheus.${var.namespace}.svc:9090"
      isDefault = true
    }]
  }
  dashboard_provider = {
    apiVersion = 1
    providers = [{
      name    = "gantry"
      folder  = "Gantry"
      type    = "file"
      options = { path = "/var/lib/grafana/dashboards" }
    }]
  }
}

resource "kubernetes_manifest" "namespace" {
  manifest = {
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = { name = var.namespace }
  }
}

resource "kubernetes_manifest" "prometheus_account" {
  manifest = {
    apiVersion = "v1"
    kind       = "ServiceAccount"
    metadata   = { name = "prometheus", namespace = kubernetes_manifest.namespace.object.metadata.name }
  }
}

resource "kubernetes_manifest" "prometheus_role" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRole"
    metadata   = { name = "gantry-prometheus" }
    rules = [
      { apiGroups = [""], resources = ["nodes", "nodes/proxy", "nodes/metrics", "services", "endpoints", "pods"], verbs = ["get", "list", "watch"] },
      { nonResourceURLs = ["/metrics"], verbs = ["get"] },
    ]
  }
}

resource "kubernetes_manifest" "prometheus_binding" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRoleBinding"
    metadata   = { name = "gantry-prometheus" }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = "gantry-prometheus" }
    subjects   = [{ kind = "ServiceAccount", name = "prometheus", namespace = var.namespace }]
  }
}

resource "kubernetes_manifest" "prometheus_config" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "prometheus", namespace = kubernetes_manifest.namespace.object.metadata.name }
    data       = { "prometheus.yml" = yamlencode(local.prometheus_config) }
  }
}

resource "kubernetes_manifest" "prometheus" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "prometheus", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      replicas = 1
      strategy = { type = "Recreate" }
      selector = { matchLabels = { "app.kubernetes.io/name" = "prometheus" } }
      template = {
        metadata = {
          labels = { "app.kubernetes.io/name" = "prometheus" }
          # Restart when the scrape configuration changes.
          annotations = { "gantry.dev/config-hash" = sha256(yamlencode(local.prometheus_config)) }
        }
        spec = {
          serviceAccountName = "prometheus"
          nodeSelector       = local.selector
          containers = [{
            name           = "prometheus"
            image          = var.prometheus_image
            args           = ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=${var.retention}"]
            ports          = [{ name = "http", containerPort = 9090 }]
            readinessProbe = { httpGet = { path = "/-/ready", port = "http" } }
            resources = {
              requests = { cpu = "500m", memory = "2Gi" }
              limits   = { memory = "4Gi" }
            }
            volumeMounts = [
              { name = "config", mountPath = "/etc/prometheus" },
              { name = "data", mountPath = "/prometheus" },
            ]
          }]
          volumes = [
            { name = "config", configMap = { name = "prometheus" } },
            { name = "data", emptyDir = {} },
          ]
        }
      }
    }
  }

  depends_on = [kubernetes_manifest.prometheus_config, kubernetes_manifest.prometheus_binding]
}

resource "kubernetes_manifest" "prometheus_service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = "prometheus", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      selector = { "app.kubernetes.io/name" = "prometheus" }
      ports    = [{ name = "http", port = 9090, targetPort = "http" }]
    }
  }
}

resource "kubernetes_manifest" "grafana_provisioning" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "grafana-provisioning", namespace = kubernetes_manifest.namespace.object.metadata.name }
    data = {
      "datasources.yaml" = yamlencode(local.datasources)
      "dashboards.yaml"  = yamlencode(local.dashboard_provider)
    }
  }
}

resource "kubernetes_manifest" "grafana_dashboards" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "grafana-dashboards", namespace = kubernetes_manifest.namespace.object.metadata.name }
    data = {
      "cluster-overview.json" = file("dashboards/cluster-overview.json")
      "gpu-utilization.json"  = file("dashboards/gpu-utilization.json")
    }
  }
}

resource "kubernetes_manifest" "grafana" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "grafana", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      replicas = 1
      selector = { matchLabels = { "app.kubernetes.io/name" = "grafana" } }
      template = {
        metadata = { labels = { "app.kubernetes.io/name" = "grafana" } }
        spec = {
          nodeSelector = local.selector
          containers = [{
            name           = "grafana"
            image          = var.grafana_image
            ports          = [{ name = "http", containerPort = 3000 }]
            readinessProbe = { httpGet = { path = "/api/health", port = "http" } }
            resources = {
              requests = { cpu = "100m", memory = "256Mi" }
              limits   = { memory = "512Mi" }
            }
            volumeMounts = [
              { name = "provisioning", mountPath = "/etc/grafana/provisioning/datasources/datasources.yaml", subPath = "datasources.yaml" },
              { name = "provisioning", mountPath = "/etc/grafana/provisioning/dashboards/dashboards.yaml", subPath = "dashboards.yaml" },
              { name = "dashboards", mountPath = "/var/lib/grafana/dashboards" },
            ]
          }]
          volumes = [
            { name = "provisioning", configMap = { name = "grafana-provisioning" } },
            { name = "dashboards", configMap = { name = "grafana-dashboards" } },
          ]
        }
      }
    }
  }

  depends_on = [kubernetes_manifest.grafana_provisioning, kubernetes_manifest.grafana_dashboards]
}

resource "kubernetes_manifest" "grafana_service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = "grafana", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      selector = { "app.kubernetes.io/name" = "grafana" }
      ports    = [{ name = "http", port = 80, targetPort = "http" }]
    }
  }
}

# GPU nodes are found by the label NVIDIA's feature discovery (and the
# gpu-node-pool module) puts on them.
resource "kubernetes_manifest" "dcgm_exporter" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "DaemonSet"
    metadata   = { name = "dcgm-exporter", namespace = kubernetes_manifest.namespace.object.metadata.name }
    spec = {
      selector = { matchLabels = { "app.kubernetes.io/name" = "dcgm-exporter" } }
      template = {
        metadata = { labels = { "app.kubernetes.io/name" = "dcgm-exporter" } }
        spec = {
          nodeSelector = { "nvidia.com/gpu.present" = "true" }
          tolerations  = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
          containers = [{
            name            = "dcgm-exporter"
            image           = var.dcgm_exporter_image
            env             = [{ name = "DCGM_EXPORTER_KUBERNETES", value = "true" }, { name = "DCGM_EXPORTER_LISTEN", value = ":9400" }]
            ports           = [{ name = "metrics", containerPort = 9400 }]
            securityContext = { capabilities = { add = ["SYS_ADMIN"] } }
            resources = {
              requests = { cpu = "100m", memory = "128Mi" }
              limits   = { memory = "512Mi" }
            }
            volumeMounts = [{ name = "pod-resources", mountPath = "/var/lib/kubelet/pod-resources", readOnly = true }]
          }]
          volumes = [{ name = "pod-resources", hostPath = { path = "/var/lib/kubelet/pod-resources" } }]
        }
      }
    }
  }
}

output "prometheus_url" {
  value = "http://prometheus.${var.namespace}.svc:9090"
}

output "grafana_url" {
  value = "http://grafana.${var.namespace}.svc"
}
