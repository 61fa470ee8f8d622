//! The human plan reads as Terraform's: signed nested lines four columns under their
//! key, aligned `=` signs, updates that show only what changes with a count of what
//! they hide, a `kubernetes_manifest` printed once, and a cost table that fits 100 columns.

use crate::support::*;

fn block_of<'a>(plan: &'a str, header: &str) -> &'a str {
    let start = plan.find(header).unwrap_or_else(|| panic!("no {header:?} in\n{plan}"));
    let rest = &plan[start..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn a_created_manifest_is_shown_once_with_terraforms_layout() {
    let (_tmp, dir) = example("ml-platform");
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let namespace = block_of(&run.stdout, "  # kubernetes_manifest.namespace[\"serving\"] will be created");
    assert_eq!(
        namespace,
        r#"  # kubernetes_manifest.namespace["serving"] will be created
  + resource "kubernetes_manifest" "namespace" {
      + manifest = {
          + apiVersion = "v1"
          + kind       = "Namespace"
          + metadata   = {
              + name = "serving"
            }
        }
    }"#
    );
    let pool = block_of(&run.stdout, "  # module.cpu_pool.local_node_pool.this[0] will be created");
    assert!(pool.contains("      + instance_types  = [\n          + \"m6i.2xlarge\",\n        ]\n"), "{pool}");
    assert!(pool.contains("      + scaling_config  = {\n          + desired_size = 3\n"), "{pool}");
    // Every manifest's fields once: no `object` that only repeats its `manifest`.
    assert!(!run.stdout.contains("+ object"), "{}", run.stdout);
}

#[test]
fn an_update_shows_the_changed_paths_and_counts_what_it_hides() {
    let (_tmp, dir) = example("quickstart");
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let main = dir.join("main.hcl");
    let text = std::fs::read_to_string(&main).unwrap();
    let text = text.replacen("      replicas = 1", "      replicas = 2", 1).replacen(
        "args  = [\"--model\", ",
        "args  = [\"--verbose\", \"--model\", ",
        1,
    );
    std::fs::write(&main, text).unwrap();
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let body = block_of(&run.stdout, "  # kubernetes_manifest.model_server will be updated in-place");
    assert_eq!(
        body,
        r#"  # kubernetes_manifest.model_server will be updated in-place
  ~ resource "kubernetes_manifest" "model_server" {
      ~ manifest = {
          ~ spec = {
              ~ replicas = 1 -> 2
              ~ template = {
                  ~ spec = {
                      ~ containers = [
                          ~ {
                              ~ args = [
                                  + "--verbose",
                                    # (2 unchanged elements hidden)
                                ]
                                # (4 unchanged attributes hidden)
                            },
                        ]
                        # (2 unchanged attributes hidden)
                    }
                    # (1 unchanged attribute hidden)
                }
                # (1 unchanged attribute hidden)
            }
            # (3 unchanged attributes hidden)
        }
        # (4 unchanged attributes hidden)
    }"#
    );
}

#[test]
fn the_cost_table_fits_in_100_columns() {
    let (_tmp, dir) = example("ml-platform");
    let run = gantry(&dir, &["plan", "."]);
    let analysis = &run.stdout[run.stdout.find("  Cost (USD").expect("a cost section")..];
    let table: Vec<&str> = analysis.lines().take_while(|l| !l.starts_with("  Disruption")).collect();
    assert!(table.iter().any(|l| l.contains("p4d.24xlarge 8×A100")), "{analysis}");
    for line in &table {
        assert!(line.chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
}
