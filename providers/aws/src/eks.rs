//! `aws_eks_cluster` and `aws_eks_node_group`: created, changed and deleted through EKS,
//! waiting until the object is ACTIVE (or gone) before reporting success.

use crate::util::*;
use crate::{must_read, Clients};
use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, NodegroupScalingConfig, NodegroupUpdateConfig, Taint, TaintEffect, UpdateLabelsPayload,
    UpdateTaintsPayload, VpcConfigRequest,
};
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const CLUSTER_CREATE: Duration = Duration::from_secs(30 * 60);
const CLUSTER_DELETE: Duration = Duration::from_secs(15 * 60);
const CLUSTER_UPDATE: Duration = Duration::from_secs(60 * 60);
const NODE_GROUP_TIMEOUT: Duration = Duration::from_secs(60 * 60);

async fn sync_tags(c: &Clients, arn: &str, prior: &Value, planned: &Value) -> Result<(), ProviderError> {
    let (old, new) = (smap(prior, "tags"), smap(planned, "tags"));
    if !is_set(planned, "tags") || old == new || arn.is_empty() {
        return Ok(());
    }
    let removed: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    if !removed.is_empty() {
        c.eks
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_err("UntagResource", e))?;
    }
    if !new.is_empty() {
        c.eks
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_hash(&new)))
            .send()
            .await
            .map_err(|e| aws_err("TagResource", e))?;
    }
    Ok(())
}

fn tags_of(t: Option<&std::collections::HashMap<String, String>>) -> Value {
    let m: BTreeMap<String, String> =
        t.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    vmap(&m)
}

// ---- cluster ----

pub async fn read_cluster(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let out = match c.eks.describe_cluster().name(s0(st, "name")).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(aws_err("DescribeCluster", e)),
    };
    let Some(cl) = out.cluster() else { return Ok(None) };
    let prior_vpc = st.get("vpc_config").cloned().unwrap_or(Value::Null);
    let vpc = cl.resources_vpc_config();
    let vpc_config = obj(vec![
        (
            "subnet_ids",
            keep_order(prior_vpc.get("subnet_ids"), vlist(vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default())),
        ),
        (
            "security_group_ids",
            keep_order(
                prior_vpc.get("security_group_ids"),
                vlist(vpc.map(|v| v.security_group_ids().to_vec()).unwrap_or_default()),
            ),
        ),
        ("endpoint_public_access", Value::Bool(vpc.map(|v| v.endpoint_public_access()).unwrap_or(true))),
        ("endpoint_private_access", Value::Bool(vpc.map(|v| v.endpoint_private_access()).unwrap_or(false))),
        ("cluster_security_group_id", vopt(vpc.and_then(|v| v.cluster_security_group_id()))),
        ("vpc_id", vopt(vpc.and_then(|v| v.vpc_id()))),
    ]);
    let ca = Value::List(vec![obj(vec![("data", vopt(cl.certificate_authority().and_then(|c| c.data())))])]);
    Ok(Some(obj(vec![
        ("name", vopt(cl.name())),
        ("role_arn", vopt(cl.role_arn())),
        ("version", vopt(cl.version())),
        ("tags", tags_of(cl.tags())),
        ("id", vopt(cl.name())),
        ("arn", vopt(cl.arn())),
        ("endpoint", vopt(cl.endpoint())),
        ("status", vopt(cl.status().map(|s| s.as_str()))),
        ("platform_version", vopt(cl.platform_version())),
        ("certificate_authority", ca),
        ("vpc_config", vpc_config),
    ])))
}

/// Waits until the cluster is ACTIVE; FAILED is an error.
async fn wait_cluster_active(c: &Clients, name: &str, timeout: Duration) -> Result<(), ProviderError> {
    wait_for(&format!("EKS cluster \"{name}\" to become ACTIVE"), c.poll, timeout, || async {
        let out = c.eks.describe_cluster().name(name).send().await.map_err(|e| aws_err("DescribeCluster", e))?;
        let status = out.cluster().and_then(|c| c.status()).map(|s| s.as_str().to_string()).unwrap_or_default();
        match status.as_str() {
            "ACTIVE" => Ok(Poll::Ready(())),
            "FAILED" => Err(err(
                "EKS cluster failed",
                format!(
                    "cluster \"{name}\" reached status FAILED; see its health issues with aws eks describe-cluster"
                ),
            )),
            _ => Ok(Poll::Pending(status)),
        }
    })
    .await
}

fn vpc_request(p: &Value) -> VpcConfigRequest {
    let v = p.get("vpc_config").cloned().unwrap_or(Value::Null);
    let sgs = strs(&v, "security_group_ids");
    VpcConfigRequest::builder()
        .set_subnet_ids(Some(strs(&v, "subnet_ids")))
        .set_security_group_ids(if sgs.is_empty() { None } else { Some(sgs) })
        .set_endpoint_public_access(b(&v, "endpoint_public_access"))
        .set_endpoint_private_access(b(&v, "endpoint_private_access"))
        .build()
}

pub async fn create_cluster(c: &Clients, p: &Value, token: Option<String>) -> Result<Value, ProviderError> {
    let name = s0(p, "name");
    let tags = smap(p, "tags");
    c.eks
        .create_cluster()
        .name(&name)
        .set_client_request_token(token)
        .role_arn(s0(p, "role_arn"))
        .set_version(s(p, "version"))
        .resources_vpc_config(vpc_request(p))
        .set_tags(if tags.is_empty() { None } else { Some(to_hash(&tags)) })
        .send()
        .await
        .map_err(|e| aws_err("CreateCluster", e))?;
    wait_cluster_active(c, &name, CLUSTER_CREATE).await?;
    must_read(c, "aws_eks_cluster", p).await
}

pub async fn update_cluster(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    let name = s0(prior, "name");
    if let Some(v) = s(p, "version").filter(|v| Some(v) != s(prior, "version").as_ref()) {
        c.eks
            .update_cluster_version()
            .name(&name)
            .version(v)
            .send()
            .await
            .map_err(|e| aws_err("UpdateClusterVersion", e))?;
        wait_cluster_active(c, &name, CLUSTER_UPDATE).await?;
    }
    let access = |x: &Value| {
        let v = x.get("vpc_config").cloned().unwrap_or(Value::Null);
        (b(&v, "endpoint_public_access"), b(&v, "endpoint_private_access"))
    };
    if access(p) != access(prior) {
        let (public, private) = access(p);
        let req =
            VpcConfigRequest::builder().set_endpoint_public_access(public).set_endpoint_private_access(private).build();
        c.eks
            .update_cluster_config()
            .name(&name)
            .resources_vpc_config(req)
            .send()
            .await
            .map_err(|e| aws_err("UpdateClusterConfig", e))?;
        wait_cluster_active(c, &name, CLUSTER_UPDATE).await?;
    }
    sync_tags(c, &s0(prior, "arn"), prior, p).await?;
    must_read(c, "aws_eks_cluster", p).await
}

pub async fn delete_cluster(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    let name = s0(prior, "name");
    match c.eks.delete_cluster().name(&name).send().await {
        Ok(_) => {}
        Err(e) if is_not_found(&e) => return Ok(()),
        Err(e) => return Err(aws_err("DeleteCluster", e)),
    }
    wait_for(&format!("EKS cluster \"{name}\" to be deleted"), c.poll, CLUSTER_DELETE, || async {
        match c.eks.describe_cluster().name(&name).send().await {
            Err(e) if is_not_found(&e) => Ok(Poll::Ready(())),
            Err(e) => Err(aws_err("DescribeCluster", e)),
            Ok(o) => Ok(Poll::Pending(
                o.cluster().and_then(|c| c.status()).map(|s| s.as_str().to_string()).unwrap_or_default(),
            )),
        }
    })
    .await
}

// ---- node group ----

/// Before the generic plan: unset labels mean none, so removing them from the
/// configuration removes them in AWS.
pub fn normalize_node_group_config(config: &mut Value) {
    if config.get("labels").is_none_or(|v| v.is_null()) {
        set(config, "labels", Value::Object(Default::default()));
    }
    if config.get("taint").is_none_or(|v| v.is_null()) {
        set(config, "taint", Value::List(Vec::new()));
    }
}

/// After the generic plan: `desired_size` left unset keeps what is there now (an
/// autoscaler's choice is not drift), within the planned bounds; it starts at `min_size`.
/// An unset `update_config` keeps AWS's default.
pub fn fix_node_group_plan(planned: &mut Value, prior: Option<&Value>, config: &Value) {
    let cfg_scaling = config.get("scaling_config").cloned().unwrap_or(Value::Null);
    if let Some(Value::Object(sc)) = planned.as_object().and_then(|m| m.get("scaling_config")).cloned().as_ref() {
        let mut sc = sc.clone();
        if !is_set(&cfg_scaling, "desired_size") && !cfg_scaling.contains_unknown() {
            let min = sc.get("min_size").and_then(|v| v.as_f64());
            let max = sc.get("max_size").and_then(|v| v.as_f64());
            let current = prior.and_then(|p| p.get("scaling_config")).and_then(|s| n(s, "desired_size"));
            let desired = match (current, min, max) {
                (Some(d), Some(lo), Some(hi)) => Some(d.clamp(lo, hi.max(lo))),
                (None, Some(lo), _) => Some(lo),
                _ => None,
            };
            if let Some(d) = desired {
                sc.insert("desired_size".into(), Value::from_f64(d));
            }
        }
        set(planned, "scaling_config", Value::Object(sc));
    }
    match config.get("update_config") {
        None | Some(Value::Null) => {
            let keep = prior.and_then(|p| p.get("update_config")).cloned().unwrap_or(if prior.is_some() {
                Value::Null
            } else {
                Value::Unknown
            });
            set(planned, "update_config", keep);
        }
        Some(uc) if is_set(uc, "max_unavailable_percentage") && !is_set(uc, "max_unavailable") => {
            if let Some(Value::Object(mut m)) = planned.get("update_config").cloned() {
                m.insert("max_unavailable".into(), Value::Null);
                set(planned, "update_config", Value::Object(m));
            }
        }
        _ => {}
    }
}

fn taints_of(p: &Value) -> Vec<(String, Option<String>, String)> {
    p.get("taint")
        .and_then(|t| t.as_list())
        .map(|l| l.iter().map(|t| (s0(t, "key"), s(t, "value"), s0(t, "effect"))).collect())
        .unwrap_or_default()
}

fn sdk_taint((key, value, effect): &(String, Option<String>, String)) -> Taint {
    Taint::builder().key(key).set_value(value.clone()).effect(TaintEffect::from(effect.as_str())).build()
}

fn scaling_of(p: &Value) -> (Option<i32>, Option<i32>, Option<i32>) {
    let sc = p.get("scaling_config").cloned().unwrap_or(Value::Null);
    let i = |k| n(&sc, k).map(|v| v as i32);
    (i("min_size"), i("max_size"), i("desired_size"))
}

fn sdk_scaling(p: &Value) -> NodegroupScalingConfig {
    let (min, max, desired) = scaling_of(p);
    NodegroupScalingConfig::builder().set_min_size(min).set_max_size(max).set_desired_size(desired.or(min)).build()
}

fn update_config_of(p: &Value) -> Option<NodegroupUpdateConfig> {
    let uc = p.get("update_config").filter(|v| v.as_object().is_some())?;
    let i = |k| n(uc, k).map(|v| v as i32);
    if i("max_unavailable").is_none() && i("max_unavailable_percentage").is_none() {
        return None;
    }
    Some(
        NodegroupUpdateConfig::builder()
            .set_max_unavailable(i("max_unavailable"))
            .set_max_unavailable_percentage(i("max_unavailable_percentage"))
            .build(),
    )
}

pub async fn read_node_group(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let (cluster, name) = (s0(st, "cluster_name"), s0(st, "node_group_name"));
    let out = match c.eks.describe_nodegroup().cluster_name(&cluster).nodegroup_name(&name).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(aws_err("DescribeNodegroup", e)),
    };
    let Some(ng) = out.nodegroup() else { return Ok(None) };
    let num = |x: Option<i32>| x.map(Value::number).unwrap_or(Value::Null);
    let sc = ng.scaling_config();
    let scaling = obj(vec![
        ("min_size", num(sc.and_then(|s| s.min_size()))),
        ("max_size", num(sc.and_then(|s| s.max_size()))),
        ("desired_size", num(sc.and_then(|s| s.desired_size()))),
    ]);
    let update_config = match ng.update_config() {
        Some(u) if u.max_unavailable().is_some() || u.max_unavailable_percentage().is_some() => obj(vec![
            ("max_unavailable", num(u.max_unavailable())),
            ("max_unavailable_percentage", num(u.max_unavailable_percentage())),
        ]),
        // Not reported (some emulators drop it): what Gantry last set stands.
        _ => st.get("update_config").filter(|v| v.as_object().is_some()).cloned().unwrap_or(Value::Null),
    };
    let taints = Value::List(
        ng.taints()
            .iter()
            .map(|t| {
                obj(vec![
                    ("key", vopt(t.key())),
                    ("value", vopt(t.value())),
                    ("effect", vopt(t.effect().map(|e| e.as_str()))),
                ])
            })
            .collect(),
    );
    let labels: BTreeMap<String, String> =
        ng.labels().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    Ok(Some(obj(vec![
        ("cluster_name", vs(&cluster)),
        ("node_group_name", vopt(ng.nodegroup_name())),
        ("node_role_arn", vopt(ng.node_role())),
        ("subnet_ids", keep_order(st.get("subnet_ids"), vlist(ng.subnets().to_vec()))),
        ("instance_types", keep_order(st.get("instance_types"), vlist(ng.instance_types().to_vec()))),
        ("ami_type", vopt(ng.ami_type().map(|a| a.as_str()))),
        ("capacity_type", vopt(ng.capacity_type().map(|a| a.as_str()))),
        ("disk_size", num(ng.disk_size())),
        ("version", vopt(ng.version())),
        ("labels", vmap(&labels)),
        ("tags", tags_of(ng.tags())),
        ("id", vs(format!("{cluster}:{name}"))),
        ("arn", vopt(ng.nodegroup_arn())),
        ("status", vopt(ng.status().map(|s| s.as_str()))),
        ("scaling_config", scaling),
        ("update_config", update_config),
        ("taint", keep_order(st.get("taint"), taints)),
    ])))
}

async fn wait_node_group_active(c: &Clients, cluster: &str, name: &str) -> Result<(), ProviderError> {
    wait_for(
        &format!("node group \"{name}\" of cluster \"{cluster}\" to become ACTIVE"),
        c.poll,
        NODE_GROUP_TIMEOUT,
        || async {
            let out = c
                .eks
                .describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .send()
                .await
                .map_err(|e| aws_err("DescribeNodegroup", e))?;
            let ng = out.nodegroup();
            let status = ng.and_then(|n| n.status()).map(|s| s.as_str().to_string()).unwrap_or_default();
            match status.as_str() {
                "ACTIVE" => Ok(Poll::Ready(())),
                "CREATE_FAILED" | "DEGRADED" | "DELETE_FAILED" => {
                    let issues: Vec<String> = ng
                        .and_then(|n| n.health())
                        .map(|h| {
                            h.issues()
                                .iter()
                                .map(|i| {
                                    format!(
                                        "{}: {}",
                                        i.code().map(|c| c.as_str()).unwrap_or("?"),
                                        i.message().unwrap_or_default()
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    Err(err(
                        "EKS node group failed",
                        format!("node group \"{name}\" reached status {status}. {}", issues.join("; ")),
                    ))
                }
                _ => Ok(Poll::Pending(status)),
            }
        },
    )
    .await
}

pub async fn create_node_group(c: &Clients, p: &Value, token: Option<String>) -> Result<Value, ProviderError> {
    let (cluster, name) = (s0(p, "cluster_name"), s0(p, "node_group_name"));
    let labels = smap(p, "labels");
    let tags = smap(p, "tags");
    let taints: Vec<Taint> = taints_of(p).iter().map(sdk_taint).collect();
    let types = strs(p, "instance_types");
    c.eks
        .create_nodegroup()
        .set_client_request_token(token)
        .cluster_name(&cluster)
        .nodegroup_name(&name)
        .node_role(s0(p, "node_role_arn"))
        .set_subnets(Some(strs(p, "subnet_ids")))
        .set_instance_types(if types.is_empty() { None } else { Some(types) })
        .set_ami_type(s(p, "ami_type").map(|a| AmiTypes::from(a.as_str())))
        .set_capacity_type(s(p, "capacity_type").map(|a| CapacityTypes::from(a.as_str())))
        .set_disk_size(n(p, "disk_size").map(|v| v as i32))
        .set_version(s(p, "version"))
        .scaling_config(sdk_scaling(p))
        .set_update_config(update_config_of(p))
        .set_labels(if labels.is_empty() { None } else { Some(to_hash(&labels)) })
        .set_taints(if taints.is_empty() { None } else { Some(taints) })
        .set_tags(if tags.is_empty() { None } else { Some(to_hash(&tags)) })
        .send()
        .await
        .map_err(|e| aws_err("CreateNodegroup", e))?;
    wait_node_group_active(c, &cluster, &name).await?;
    must_read(c, "aws_eks_node_group", p).await
}

/// Scaling, labels, taints and the update strategy change in place with one
/// UpdateNodegroupConfig; the Kubernetes version with UpdateNodegroupVersion.
pub async fn update_node_group(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    let (cluster, name) = (s0(prior, "cluster_name"), s0(prior, "node_group_name"));
    let mut req = c.eks.update_nodegroup_config().cluster_name(&cluster).nodegroup_name(&name);
    let mut changed = false;
    if scaling_of(p) != scaling_of(prior) {
        req = req.scaling_config(sdk_scaling(p));
        changed = true;
    }
    let (old, new) = (smap(prior, "labels"), smap(p, "labels"));
    if old != new {
        let upsert: BTreeMap<String, String> =
            new.iter().filter(|(k, v)| old.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let remove: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
        req = req.labels(
            UpdateLabelsPayload::builder()
                .set_add_or_update_labels(if upsert.is_empty() { None } else { Some(to_hash(&upsert)) })
                .set_remove_labels(if remove.is_empty() { None } else { Some(remove) })
                .build(),
        );
        changed = true;
    }
    let (old_t, new_t) = (taints_of(prior), taints_of(p));
    if old_t != new_t {
        let upsert: Vec<Taint> = new_t.iter().filter(|t| !old_t.contains(t)).map(sdk_taint).collect();
        let remove: Vec<Taint> = old_t
            .iter()
            .filter(|(k, _, e)| !new_t.iter().any(|(k2, _, e2)| k2 == k && e2 == e))
            .map(|(k, _, e)| Taint::builder().key(k).effect(TaintEffect::from(e.as_str())).build())
            .collect();
        if !upsert.is_empty() || !remove.is_empty() {
            req = req.taints(
                UpdateTaintsPayload::builder()
                    .set_add_or_update_taints(if upsert.is_empty() { None } else { Some(upsert) })
                    .set_remove_taints(if remove.is_empty() { None } else { Some(remove) })
                    .build(),
            );
            changed = true;
        }
    }
    let uc = update_config_of(p);
    if uc.is_some() && p.get("update_config") != prior.get("update_config") {
        req = req.set_update_config(uc);
        changed = true;
    }
    if changed {
        req.send().await.map_err(|e| aws_err("UpdateNodegroupConfig", e))?;
        wait_node_group_active(c, &cluster, &name).await?;
    }
    if let Some(v) = s(p, "version").filter(|v| Some(v) != s(prior, "version").as_ref()) {
        c.eks
            .update_nodegroup_version()
            .cluster_name(&cluster)
            .nodegroup_name(&name)
            .version(v)
            .send()
            .await
            .map_err(|e| aws_err("UpdateNodegroupVersion", e))?;
        wait_node_group_active(c, &cluster, &name).await?;
    }
    sync_tags(c, &s0(prior, "arn"), prior, p).await?;
    must_read(c, "aws_eks_node_group", p).await
}

pub async fn delete_node_group(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    let (cluster, name) = (s0(prior, "cluster_name"), s0(prior, "node_group_name"));
    match c.eks.delete_nodegroup().cluster_name(&cluster).nodegroup_name(&name).send().await {
        Ok(_) => {}
        Err(e) if is_not_found(&e) => return Ok(()),
        Err(e) => return Err(aws_err("DeleteNodegroup", e)),
    }
    wait_for(&format!("node group \"{name}\" to be deleted"), c.poll, NODE_GROUP_TIMEOUT, || async {
        match c.eks.describe_nodegroup().cluster_name(&cluster).nodegroup_name(&name).send().await {
            Err(e) if is_not_found(&e) => Ok(Poll::Ready(())),
            Err(e) => Err(aws_err("DescribeNodegroup", e)),
            Ok(o) => {
                let status = o.nodegroup().and_then(|n| n.status()).map(|s| s.as_str().to_string()).unwrap_or_default();
                if status == "DELETE_FAILED" {
                    return Err(err(
                        "EKS node group deletion failed",
                        format!("node group \"{name}\" reached status DELETE_FAILED"),
                    ));
                }
                Ok(Poll::Pending(status))
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaling(min: f64, max: f64, desired: Option<f64>) -> Value {
        obj(vec![
            ("min_size", Value::from_f64(min)),
            ("max_size", Value::from_f64(max)),
            ("desired_size", desired.map(Value::from_f64).unwrap_or(Value::Null)),
        ])
    }

    #[test]
    fn unset_desired_size_keeps_the_live_value_within_bounds() {
        let config = obj(vec![("scaling_config", scaling(0.0, 4.0, None)), ("update_config", Value::Null)]);
        let prior = obj(vec![
            ("scaling_config", scaling(0.0, 4.0, Some(3.0))),
            ("update_config", obj(vec![("max_unavailable", Value::number(1))])),
        ]);
        let mut planned = obj(vec![("scaling_config", scaling(0.0, 4.0, None)), ("update_config", Value::Null)]);
        fix_node_group_plan(&mut planned, Some(&prior), &config);
        assert_eq!(planned.get("scaling_config").and_then(|s| n(s, "desired_size")), Some(3.0));
        assert_eq!(planned.get("update_config"), prior.get("update_config"));
        // Lowering max_size below the live value clamps it.
        let config = obj(vec![("scaling_config", scaling(0.0, 2.0, None))]);
        let mut planned = obj(vec![("scaling_config", scaling(0.0, 2.0, None))]);
        fix_node_group_plan(&mut planned, Some(&prior), &config);
        assert_eq!(planned.get("scaling_config").and_then(|s| n(s, "desired_size")), Some(2.0));
        // On create it starts at min_size.
        let config = obj(vec![("scaling_config", scaling(1.0, 2.0, None))]);
        let mut planned = obj(vec![("scaling_config", scaling(1.0, 2.0, None))]);
        fix_node_group_plan(&mut planned, None, &config);
        assert_eq!(planned.get("scaling_config").and_then(|s| n(s, "desired_size")), Some(1.0));
        assert_eq!(planned.get("update_config"), Some(&Value::Unknown));
    }

    #[test]
    fn a_configured_desired_size_is_held() {
        let config = obj(vec![("scaling_config", scaling(0.0, 4.0, Some(1.0)))]);
        let prior = obj(vec![("scaling_config", scaling(0.0, 4.0, Some(3.0)))]);
        let mut planned = config.clone();
        fix_node_group_plan(&mut planned, Some(&prior), &config);
        assert_eq!(planned.get("scaling_config").and_then(|s| n(s, "desired_size")), Some(1.0));
    }
}
