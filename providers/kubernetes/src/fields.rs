//! Pure logic over Kubernetes objects as JSON: which fields Gantry manages and
//! what they look like now (drift), server-side apply bodies, conflict messages,
//! and readiness (rollout, Job, conditions, CRD Established).
//!
//! Nothing here does I/O, so every rule is unit-tested on recorded API responses
//! (`fixtures/`), including what the kmock test server cannot represent.

use serde_json::{Map, Value as Json};

/// The body sent by server-side apply: the manifest as written, without the
/// server-populated metadata a user may have copied from `kubectl get -o yaml`.
pub fn apply_body(manifest: &Json) -> Json {
    let mut body = manifest.clone();
    if let Some(meta) = body.get_mut("metadata").and_then(Json::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
        ] {
            meta.remove(k);
        }
    }
    drop_nulls(&mut body);
    body
}

fn drop_nulls(v: &mut Json) {
    match v {
        Json::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Json::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// An object as `import` records it: the live object without status and server-set metadata.
pub fn importable(live: &Json) -> Json {
    let mut m = apply_body(live);
    if let Some(o) = m.as_object_mut() {
        o.remove("status");
    }
    m
}

/// The `fieldsV1` set of the apply entry of `manager` in `metadata.managedFields`, if the server records one.
pub fn managed_fields<'a>(live: &'a Json, manager: &str) -> Option<&'a Json> {
    live.pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .find(|e| {
            e.get("manager").and_then(Json::as_str) == Some(manager)
                && e.get("operation").and_then(Json::as_str) == Some("Apply")
        })?
        .get("fieldsV1")
}

/// The live object seen through the fields Gantry manages, in the shape of the applied manifest,
/// so that comparing it with the configuration shows exactly the drift on managed fields.
/// With a `fieldsV1` set (a real API server), the set decides; without one (older servers, the
/// test emulator), the fields present in the applied manifest do.
pub fn managed_view(live: &Json, applied: &Json, manager: &str) -> Json {
    let mut out = match managed_fields(live, manager) {
        Some(set) => project_fields(live, set).unwrap_or(Json::Object(Map::new())),
        None => project_shape(live, applied).unwrap_or(Json::Object(Map::new())),
    };
    // Identity is not part of a field set but is part of every manifest.
    if let Some(o) = out.as_object_mut() {
        for k in ["apiVersion", "kind"] {
            if let Some(v) = applied.get(k) {
                o.insert(k.into(), v.clone());
            }
        }
        let meta = o.entry("metadata").or_insert_with(|| Json::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            for k in ["name", "namespace"] {
                if let Some(v) = applied.pointer(&format!("/metadata/{k}")) {
                    meta.insert(k.into(), v.clone());
                }
            }
        }
    }
    out
}

/// The parts of `live` at the paths present in `shape`; lists are compared whole
/// unless both sides are lists of objects of the same length, which are projected item by item.
fn project_shape(live: &Json, shape: &Json) -> Option<Json> {
    match (live, shape) {
        (Json::Object(l), Json::Object(s)) => {
            let mut out = Map::new();
            for (k, sv) in s {
                if sv.is_null() {
                    continue;
                }
                if let Some(v) = l.get(k).and_then(|lv| project_shape(lv, sv)) {
                    out.insert(k.clone(), v);
                }
            }
            Some(Json::Object(out))
        }
        (Json::Array(l), Json::Array(s)) if l.len() == s.len() && s.iter().all(Json::is_object) => {
            Some(Json::Array(l.iter().zip(s).map(|(lv, sv)| project_shape(lv, sv).unwrap_or(Json::Null)).collect()))
        }
        (Json::Null, _) => None,
        (other, _) => Some(other.clone()),
    }
}

/// The parts of `live` named by a `fieldsV1` set: `f:NAME` descends into a field, `k:{...}` selects
/// the list item whose keys match, `v:VALUE` a set item, `i:N` an item by index, and `.` the node itself.
pub fn project_fields(live: &Json, set: &Json) -> Option<Json> {
    let set = set.as_object()?;
    let children: Vec<(&String, &Json)> = set.iter().filter(|(k, _)| k.as_str() != ".").collect();
    if children.is_empty() {
        return Some(live.clone());
    }
    match live {
        Json::Object(obj) => {
            let mut out = Map::new();
            for (k, sub) in children {
                if let Some(name) = k.strip_prefix("f:") {
                    if let Some(v) = obj.get(name).and_then(|lv| project_fields(lv, sub)) {
                        out.insert(name.to_string(), v);
                    }
                }
            }
            Some(Json::Object(out))
        }
        Json::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                let selected = children.iter().find(|(k, _)| item_matches(item, k, items));
                if let Some((_, sub)) = selected {
                    if let Some(v) = project_fields(item, sub) {
                        out.push(v);
                    }
                }
            }
            Some(Json::Array(out))
        }
        other => Some(other.clone()),
    }
}

fn item_matches(item: &Json, key: &str, all: &[Json]) -> bool {
    if let Some(k) = key.strip_prefix("k:") {
        let Ok(Json::Object(want)) = serde_json::from_str::<Json>(k) else { return false };
        return want.iter().all(|(f, v)| item.get(f).map(|iv| loose_eq(iv, v)).unwrap_or(false));
    }
    if let Some(v) = key.strip_prefix("v:") {
        return serde_json::from_str::<Json>(v).map(|want| loose_eq(item, &want)).unwrap_or(false);
    }
    if let Some(i) = key.strip_prefix("i:") {
        return i.parse::<usize>().ok().and_then(|i| all.get(i)).map(|x| std::ptr::eq(x, item)).unwrap_or(false);
    }
    false
}

fn loose_eq(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Copies the values at `paths` (dotted, e.g. `metadata.annotations`) from `from` into `into`,
/// so fields named in `computed_fields` never show as drift.
pub fn keep_paths(into: &mut Json, from: &Json, paths: &[String]) {
    for p in paths {
        let pointer = format!("/{}", p.split('.').collect::<Vec<_>>().join("/"));
        let keep = from.pointer(&pointer).cloned();
        let segs: Vec<&str> = p.split('.').collect();
        set_path(into, &segs, keep);
    }
}

fn set_path(v: &mut Json, segs: &[&str], value: Option<Json>) {
    let Some((first, rest)) = segs.split_first() else { return };
    let Some(o) = v.as_object_mut() else { return };
    if rest.is_empty() {
        match value {
            Some(x) => {
                o.insert(first.to_string(), x);
            }
            None => {
                o.remove(*first);
            }
        }
        return;
    }
    if value.is_none() && !o.contains_key(*first) {
        return;
    }
    let child = o.entry(first.to_string()).or_insert_with(|| Json::Object(Map::new()));
    set_path(child, rest, value);
}

/// The field managers named in a 409 Conflict `Status` from server-side apply, and a message for the user.
pub fn conflict_message(status: &Json, manager: &str) -> String {
    let mut managers: Vec<String> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    for cause in status.pointer("/details/causes").and_then(Json::as_array).into_iter().flatten() {
        let msg = cause.get("message").and_then(Json::as_str).unwrap_or_default();
        if let Some(name) = msg.split('"').nth(1) {
            if !managers.iter().any(|m| m == name) {
                managers.push(name.to_string());
            }
        }
        if let Some(f) = cause.get("field").and_then(Json::as_str) {
            fields.push(f.to_string());
        }
    }
    if managers.is_empty() {
        // Older servers only say it in the message: `conflict with "kubectl-client-side-apply" using v1: .data.x`.
        let msg = status.get("message").and_then(Json::as_str).unwrap_or_default();
        for part in msg.split("conflict with \"").skip(1) {
            if let Some(name) = part.split('"').next() {
                if !managers.iter().any(|m| m == name) {
                    managers.push(name.to_string());
                }
            }
        }
    }
    let who = if managers.is_empty() {
        "another field manager".to_string()
    } else {
        managers.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ")
    };
    let what = if fields.is_empty() { String::new() } else { format!(" over {}", fields.join(", ")) };
    format!(
        "field manager \"{manager}\" conflicts with {who}{what}. Set field_manager {{ force_conflicts = true }} to take ownership of these fields, or remove them from the manifest."
    )
}

/// True when a CustomResourceDefinition reports `Established=True`.
pub fn crd_established(crd: &Json) -> bool {
    condition_is(crd, "Established", "True")
}

pub fn condition_is(obj: &Json, ty: &str, status: &str) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Json::as_array)
        .map(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Json::as_str) == Some(ty)
                    && c.get("status").and_then(Json::as_str) == Some(status)
            })
        })
        .unwrap_or(false)
}

fn num(obj: &Json, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Json::as_i64).unwrap_or(0)
}

/// Whether a workload's rollout is complete, after `kubectl rollout status`:
/// `Ok(true)` done, `Ok(false)` not yet, `Err` failed (a Job that failed, a Deployment past its progress deadline).
pub fn rollout_status(kind: &str, obj: &Json) -> Result<bool, String> {
    let generation = num(obj, "/metadata/generation");
    let observed = num(obj, "/status/observedGeneration");
    let want = obj.pointer("/spec/replicas").and_then(Json::as_i64).unwrap_or(1);
    match kind {
        "Deployment" => {
            if obj.pointer("/status/conditions").and_then(Json::as_array).into_iter().flatten().any(|c| {
                c.get("type").and_then(Json::as_str) == Some("Progressing")
                    && c.get("reason").and_then(Json::as_str) == Some("ProgressDeadlineExceeded")
            }) {
                return Err("the Deployment exceeded its progress deadline (ProgressDeadlineExceeded)".into());
            }
            Ok(observed >= generation
                && num(obj, "/status/updatedReplicas") >= want
                && num(obj, "/status/replicas") == num(obj, "/status/updatedReplicas")
                && num(obj, "/status/availableReplicas") >= want)
        }
        "StatefulSet" => {
            let revisions_match = obj.pointer("/status/updateRevision").is_none()
                || obj.pointer("/status/updateRevision") == obj.pointer("/status/currentRevision");
            Ok(observed >= generation
                && num(obj, "/status/readyReplicas") >= want
                && num(obj, "/status/updatedReplicas") >= want
                && revisions_match)
        }
        "DaemonSet" => {
            let desired = num(obj, "/status/desiredNumberScheduled");
            Ok(observed >= generation
                && num(obj, "/status/updatedNumberScheduled") >= desired
                && num(obj, "/status/numberAvailable") >= desired)
        }
        "Job" => job_status(obj, &[]),
        _ => Ok(true),
    }
}

/// A Job's outcome: done when `Complete`, an error naming the reason (from the Job's condition
/// and the failed pods' container states) when `Failed`.
pub fn job_status(job: &Json, pods: &[Json]) -> Result<bool, String> {
    if condition_is(job, "Complete", "True") || condition_is(job, "SuccessCriteriaMet", "True") {
        return Ok(true);
    }
    let failed = job.pointer("/status/conditions").and_then(Json::as_array).into_iter().flatten().find(|c| {
        c.get("type").and_then(Json::as_str) == Some("Failed") && c.get("status").and_then(Json::as_str) == Some("True")
    });
    if let Some(c) = failed {
        let reason = c.get("reason").and_then(Json::as_str).unwrap_or("Failed");
        let message = c.get("message").and_then(Json::as_str).unwrap_or_default();
        let mut text = format!("the Job failed: {reason}");
        if !message.is_empty() {
            text.push_str(&format!(" ({message})"));
        }
        if let Some(pod) = pod_failure(pods) {
            text.push_str(&format!("; {pod}"));
        }
        return Err(text);
    }
    Ok(false)
}

/// The first failed pod's reason, from its terminated container or its own status.
pub fn pod_failure(pods: &[Json]) -> Option<String> {
    for pod in pods {
        let name = pod.pointer("/metadata/name").and_then(Json::as_str).unwrap_or("?");
        for cs in pod.pointer("/status/containerStatuses").and_then(Json::as_array).into_iter().flatten() {
            let term = cs.pointer("/state/terminated").or_else(|| cs.pointer("/lastState/terminated"));
            if let Some(t) = term {
                if num(t, "/exitCode") != 0 {
                    let reason = t.get("reason").and_then(Json::as_str).unwrap_or("Error");
                    let container = cs.get("name").and_then(Json::as_str).unwrap_or("?");
                    let mut s = format!(
                        "pod {name} container {container} terminated: {reason} (exit code {})",
                        num(t, "/exitCode")
                    );
                    if let Some(m) = t.get("message").and_then(Json::as_str) {
                        s.push_str(&format!(": {}", m.trim()));
                    }
                    return Some(s);
                }
            }
            if let Some(w) = cs.pointer("/state/waiting") {
                if let Some(reason) = w.get("reason").and_then(Json::as_str) {
                    if reason != "ContainerCreating" && reason != "PodInitializing" {
                        return Some(format!("pod {name} is waiting: {reason}"));
                    }
                }
            }
        }
        if pod.pointer("/status/phase").and_then(Json::as_str) == Some("Failed") {
            let reason = pod.pointer("/status/reason").and_then(Json::as_str).unwrap_or("Failed");
            return Some(format!("pod {name} failed: {reason}"));
        }
    }
    None
}

/// The value at a dotted path with optional `[N]` indexes (`status.containerStatuses[0].ready`).
pub fn field_at<'a>(obj: &'a Json, path: &str) -> Option<&'a Json> {
    let mut cur = obj;
    for seg in path.split('.') {
        let (name, indexes) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// Whether every `fields` entry matches: the value as text equals the wanted text, or `*` for any value.
pub fn fields_match(obj: &Json, fields: &[(String, String)]) -> bool {
    fields.iter().all(|(path, want)| match field_at(obj, path) {
        None | Some(Json::Null) => false,
        Some(_) if want == "*" => true,
        Some(Json::String(s)) => s == want,
        Some(other) => other.to_string() == *want,
    })
}

/// Parses a Terraform-style duration: `30s`, `10m`, `1h30m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(std::time::Duration::from_secs_f64(n.max(0.0)));
    }
    let mut total = 0f64;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            digits.push(c);
            continue;
        }
        let n: f64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
    }
    if !digits.is_empty() {
        return None;
    }
    Some(std::time::Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Json {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
    }

    #[test]
    fn apply_body_drops_server_metadata_and_nulls() {
        let m = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "uid": "u", "resourceVersion": "1", "labels": null}, "data": {"a": "b"}});
        assert_eq!(
            apply_body(&m),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}})
        );
    }

    #[test]
    fn managed_fields_decide_drift_on_a_real_server() {
        // A Deployment applied by "gantry" whose replicas were then changed by an HPA ("kube-controller-manager").
        let live = fixture("deployment_managed_fields.json");
        let applied = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "llm", "namespace": "serving", "labels": {"app": "llm"}},
            "spec": {"selector": {"matchLabels": {"app": "llm"}}, "template": {"metadata": {"labels": {"app": "llm"}},
                "spec": {"containers": [{"name": "server", "image": "vllm/vllm-openai:v0.6.0"}]}}}
        });
        let view = managed_view(&live, &applied, "gantry");
        // replicas belongs to another manager: not a Gantry field, so not drift.
        assert!(view.pointer("/spec/replicas").is_none(), "{view}");
        // Defaults the server added (imagePullPolicy, strategy) are not Gantry's either.
        assert!(view.pointer("/spec/template/spec/containers/0/imagePullPolicy").is_none(), "{view}");
        assert!(view.pointer("/spec/strategy").is_none());
        assert_eq!(view, applied, "no drift on the fields Gantry manages");
        // The image, which Gantry manages, changed out of band: drift.
        let mut changed = live.clone();
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("vllm/vllm-openai:latest");
        let view = managed_view(&changed, &applied, "gantry");
        assert_eq!(view.pointer("/spec/template/spec/containers/0/image"), Some(&json!("vllm/vllm-openai:latest")));
        assert_ne!(view, applied);
    }

    #[test]
    fn without_managed_fields_the_manifest_shape_decides() {
        let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ml"}, "data": {"a": "1"}});
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ml", "annotations": {"x": "y"}}, "data": {"a": "1", "b": "2"}});
        assert_eq!(managed_view(&live, &applied, "gantry"), applied);
        let live2 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ml"}, "data": {"a": "9"}});
        assert_eq!(managed_view(&live2, &applied, "gantry")["data"]["a"], "9");
        let gone = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ml"}});
        assert!(managed_view(&gone, &applied, "gantry").get("data").is_none());
    }

    #[test]
    fn computed_fields_are_kept_from_the_applied_manifest() {
        let mut view = json!({"metadata": {"name": "c", "annotations": {"a": "changed"}}});
        keep_paths(
            &mut view,
            &json!({"metadata": {"name": "c", "annotations": {"a": "mine"}}}),
            &["metadata.annotations".into()],
        );
        assert_eq!(view["metadata"]["annotations"]["a"], "mine");
    }

    #[test]
    fn conflicts_name_the_other_manager() {
        let status = fixture("ssa_conflict_status.json");
        let msg = conflict_message(&status, "gantry");
        assert!(msg.contains("\"kubectl-edit\""), "{msg}");
        assert!(msg.contains(".spec.replicas"), "{msg}");
        assert!(msg.contains("force_conflicts = true"), "{msg}");
    }

    #[test]
    fn crd_established_condition() {
        let crd = fixture("crd_established.json");
        assert!(crd_established(&crd));
        let mut pending = crd.clone();
        pending["status"]["conditions"] =
            json!([{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "False"}]);
        assert!(!crd_established(&pending));
        assert!(!crd_established(&json!({"kind": "CustomResourceDefinition"})));
    }

    #[test]
    fn rollout_of_deployments_statefulsets_daemonsets() {
        let done = fixture("deployment_managed_fields.json");
        assert_eq!(rollout_status("Deployment", &done), Ok(true));
        let mut rolling = done.clone();
        rolling["status"]["updatedReplicas"] = json!(1);
        assert_eq!(rollout_status("Deployment", &rolling), Ok(false));
        let mut stale = done.clone();
        stale["metadata"]["generation"] = json!(3);
        assert_eq!(rollout_status("Deployment", &stale), Ok(false));
        let sts = fixture("statefulset_status.json");
        assert_eq!(rollout_status("StatefulSet", &sts), Ok(true));
        let mut sts2 = sts.clone();
        sts2["status"]["updateRevision"] = json!("web-7b5d5c8f9");
        assert_eq!(rollout_status("StatefulSet", &sts2), Ok(false));
        let ds = fixture("daemonset_status.json");
        assert_eq!(rollout_status("DaemonSet", &ds), Ok(true));
        let mut ds2 = ds.clone();
        ds2["status"]["numberAvailable"] = json!(1);
        assert_eq!(rollout_status("DaemonSet", &ds2), Ok(false));
    }

    #[test]
    fn failed_job_reports_the_pods_reason() {
        let job = fixture("job_failed.json");
        let pod = fixture("pod_failed.json");
        let err = job_status(&job, &[pod]).unwrap_err();
        assert!(err.contains("BackoffLimitExceeded"), "{err}");
        assert!(err.contains("OOMKilled"), "{err}");
        let complete = fixture("job_complete.json");
        assert_eq!(job_status(&complete, &[]), Ok(true));
        assert_eq!(job_status(&json!({"status": {"active": 1}}), &[]), Ok(false));
    }

    #[test]
    fn fields_and_conditions() {
        let obj = json!({"status": {"phase": "Succeeded", "containerStatuses": [{"ready": true}], "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(fields_match(&obj, &[("status.phase".into(), "Succeeded".into())]));
        assert!(fields_match(&obj, &[("status.containerStatuses[0].ready".into(), "true".into())]));
        assert!(!fields_match(&obj, &[("status.phase".into(), "Running".into())]));
        assert!(fields_match(&obj, &[("status.phase".into(), "*".into())]));
        assert!(condition_is(&obj, "Ready", "True"));
        assert!(!condition_is(&obj, "Ready", "False"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(std::time::Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Some(std::time::Duration::from_secs(5400)));
        assert_eq!(parse_duration("45"), Some(std::time::Duration::from_secs(45)));
        assert_eq!(parse_duration("5x"), None);
    }
}
