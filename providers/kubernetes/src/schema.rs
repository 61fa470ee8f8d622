//! The provider's schema: its connection settings, `kubernetes_manifest` and
//! `kubernetes_manifests`.

use gantry_core::provider::{AttributeSchema as A, BlockSchema, NestedBlock, Nesting, Schema};
use gantry_core::types::Type;
use std::sync::OnceLock;

fn single(block: BlockSchema) -> NestedBlock {
    NestedBlock { nesting: Nesting::Single, block, min_items: 0, max_items: Some(1), force_new: false }
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let provider = BlockSchema::default()
            .attr(
                "local_cluster",
                A::optional(Type::String)
                    .describe("Name of a local_cluster to store objects in (the embedded simulator)."),
            )
            .attr(
                "config_path",
                A::optional(Type::String)
                    .describe("Path to a kubeconfig file; `~` is expanded. Default: KUBECONFIG, then ~/.kube/config."),
            )
            .attr(
                "config_context",
                A::optional(Type::String).describe("The kubeconfig context to use. Default: its current-context."),
            )
            .attr("host", A::optional(Type::String).describe("The API server URL, instead of a kubeconfig."))
            .attr("token", A::optional(Type::String).sensitive().describe("A bearer token."))
            .attr(
                "cluster_ca_certificate",
                A::optional(Type::String).describe("PEM-encoded CA certificate of the API server."),
            )
            .attr("client_certificate", A::optional(Type::String).describe("PEM-encoded client certificate."))
            .attr("client_key", A::optional(Type::String).sensitive().describe("PEM-encoded client key."))
            .attr("insecure", A::optional(Type::Bool).describe("Skip TLS verification of the API server."))
            .block("retry", gantry_core::retry::RetryPolicy::schema_block())
            .block(
                "exec",
                single(
                    BlockSchema::default()
                        .attr(
                            "api_version",
                            A::required(Type::String)
                                .describe("The ExecCredential version, e.g. client.authentication.k8s.io/v1beta1."),
                        )
                        .attr(
                            "command",
                            A::required(Type::String)
                                .describe("A program that prints an ExecCredential, e.g. aws (eks get-token)."),
                        )
                        .attr("args", A::optional(Type::List(Box::new(Type::String))))
                        .attr("env", A::optional(Type::Map(Box::new(Type::String)))),
                ),
            );
        let wait = BlockSchema::default()
            .attr(
                "rollout",
                A::optional(Type::Bool).describe(
                    "Wait until a Deployment, StatefulSet or DaemonSet has rolled out, or a Job has succeeded.",
                ),
            )
            .attr(
                "condition",
                A::optional(Type::Any)
                    .describe("{ type, status } (or a list of them): wait until status.conditions has it."),
            )
            .attr(
                "fields",
                A::optional(Type::Map(Box::new(Type::String)))
                    .describe("Paths and the values to wait for (`*` for any value)."),
            );
        let field_manager = BlockSchema::default()
            .attr("name", A::optional(Type::String).describe("Field manager name; default \"gantry\"."))
            .attr("force_conflicts", A::optional(Type::Bool).describe("Take ownership of fields other managers own."));
        let timeouts = BlockSchema::default()
            .attr("create", A::optional(Type::String))
            .attr("update", A::optional(Type::String))
            .attr("delete", A::optional(Type::String));
        let manifest = BlockSchema::default()
            .attr("manifest", A::required(Type::Any).describe("The object, as an HCL object or yamldecode(file(...))."))
            .attr("object", A::computed(Type::Any).describe("The object as stored in the cluster."))
            .attr(
                "computed_fields",
                A::optional(Type::List(Box::new(Type::String)))
                    .describe("Dotted paths the server may change; never drift."),
            )
            .block("wait", single(wait))
            .block("field_manager", single(field_manager))
            .block("timeouts", single(timeouts));
        let manifests = BlockSchema::default()
            .attr("content", A::required(Type::String).describe("Multi-document YAML; every document is an object."))
            .attr("manifests", A::computed(Type::Any).describe("The decoded documents."))
            .attr(
                "objects",
                A::computed(Type::Any)
                    .describe("The objects as stored in the cluster, by apiVersion/kind/namespace/name."),
            )
            .block(
                "field_manager",
                single(
                    BlockSchema::default()
                        .attr("name", A::optional(Type::String))
                        .attr("force_conflicts", A::optional(Type::Bool)),
                ),
            );
        let mut s = Schema { provider, ..Default::default() };
        s.resources.insert("kubernetes_manifest".into(), manifest);
        s.resources.insert("kubernetes_manifests".into(), manifests);
        s
    })
}
