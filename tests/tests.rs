//! End-to-end tests: the built `gantry` binary run on configurations in temporary folders.
//! The modules live in `e2e/` so that cargo does not build each as a test binary of its own.

#[path = "e2e/support.rs"]
mod support;

#[path = "e2e/analysis.rs"]
mod analysis;
#[path = "e2e/apply.rs"]
mod apply;
#[path = "e2e/aws.rs"]
mod aws;
#[path = "e2e/aws_reliability.rs"]
mod aws_reliability;
#[path = "e2e/backends.rs"]
mod backends;
#[path = "e2e/cli.rs"]
mod cli;
#[path = "e2e/config_blocks.rs"]
mod config_blocks;
#[path = "e2e/console.rs"]
mod console;
#[path = "e2e/disk_full.rs"]
mod disk_full;
#[path = "e2e/docs.rs"]
mod docs;
#[path = "e2e/encryption.rs"]
mod encryption;
#[path = "e2e/faults.rs"]
mod faults;
#[path = "e2e/json_schemas.rs"]
mod json_schemas;
#[path = "e2e/kube_calls.rs"]
mod kube_calls;
#[path = "e2e/kubernetes.rs"]
mod kubernetes;
#[path = "e2e/kubernetes_backend.rs"]
mod kubernetes_backend;
#[path = "e2e/numbers.rs"]
mod numbers;
#[path = "e2e/plan_render.rs"]
mod plan_render;
#[path = "e2e/policy.rs"]
mod policy;
#[path = "e2e/progress.rs"]
mod progress;
#[path = "e2e/reliability.rs"]
mod reliability;
#[path = "e2e/renderers.rs"]
mod renderers;
#[path = "e2e/saved_plan.rs"]
mod saved_plan;
#[path = "e2e/secrets.rs"]
mod secrets;
#[path = "e2e/state_encryption.rs"]
mod state_encryption;
#[path = "e2e/terraform_corpus.rs"]
mod terraform_corpus;
#[path = "e2e/terraform_habits.rs"]
mod terraform_habits;
#[path = "e2e/terraform_json.rs"]
mod terraform_json;
#[path = "e2e/workspaces.rs"]
mod workspaces;
