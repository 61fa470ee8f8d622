//! `aws_iam_role` and `aws_iam_role_policy_attachment`.

use crate::util::*;
use crate::{must_read, Clients};
use aws_sdk_iam::types::Tag;
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;
use std::collections::BTreeMap;

/// The assume-role policy as JSON text, whether it was written with `jsonencode` or as an
/// HCL object; the prior text is kept when it means the same, so formatting is not a diff.
pub fn normalize_role_config(config: &mut Value, prior: Option<&Value>) {
    let Some(policy) = config.get("assume_role_policy").cloned() else { return };
    if policy.contains_unknown() {
        return;
    }
    let text = match policy.clone().deep_unmarked() {
        Value::String(t) => t,
        Value::Null => return,
        other => other.to_json().to_string(),
    };
    let prior_text = prior.and_then(|p| s(p, "assume_role_policy"));
    set(config, "assume_role_policy", vs(same_json(prior_text.as_deref(), &text)));
}

fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| err("Invalid tag", e.to_string())))
        .collect()
}

pub async fn read_role(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let name = s0(st, "name");
    let out = match c.iam.get_role().role_name(&name).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(aws_err("GetRole", e)),
    };
    let Some(r) = out.role() else { return Ok(None) };
    let doc = url_decode(r.assume_role_policy_document().unwrap_or_default());
    let tags: BTreeMap<String, String> =
        r.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
    Ok(Some(obj(vec![
        ("name", vs(r.role_name())),
        ("assume_role_policy", vs(same_json(s(st, "assume_role_policy").as_deref(), &doc))),
        ("description", vs(r.description().unwrap_or_default())),
        ("path", vs(r.path())),
        ("max_session_duration", Value::number(r.max_session_duration().unwrap_or(3600))),
        ("tags", vmap(&tags)),
        ("id", vs(r.role_name())),
        ("arn", vs(r.arn())),
        ("unique_id", vs(r.role_id())),
    ])))
}

pub async fn create_role(c: &Clients, p: &Value) -> Result<Value, ProviderError> {
    let tags = iam_tags(&smap(p, "tags"))?;
    c.iam
        .create_role()
        .role_name(s0(p, "name"))
        .assume_role_policy_document(s0(p, "assume_role_policy"))
        .set_description(s(p, "description").filter(|d| !d.is_empty()))
        .set_path(s(p, "path"))
        .set_max_session_duration(n(p, "max_session_duration").map(|v| v as i32))
        .set_tags(if tags.is_empty() { None } else { Some(tags) })
        .send()
        .await
        .map_err(|e| aws_err("CreateRole", e))?;
    must_read(c, "aws_iam_role", p).await
}

pub async fn update_role(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    let name = s0(prior, "name");
    let doc = s0(p, "assume_role_policy");
    if doc != s0(prior, "assume_role_policy") {
        c.iam
            .update_assume_role_policy()
            .role_name(&name)
            .policy_document(doc)
            .send()
            .await
            .map_err(|e| aws_err("UpdateAssumeRolePolicy", e))?;
    }
    if s(p, "description") != s(prior, "description")
        || n(p, "max_session_duration") != n(prior, "max_session_duration")
    {
        c.iam
            .update_role()
            .role_name(&name)
            .set_description(s(p, "description"))
            .set_max_session_duration(n(p, "max_session_duration").map(|v| v as i32))
            .send()
            .await
            .map_err(|e| aws_err("UpdateRole", e))?;
    }
    let (old, new) = (smap(prior, "tags"), smap(p, "tags"));
    if is_set(p, "tags") && old != new {
        let removed: Vec<String> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
        if !removed.is_empty() {
            c.iam
                .untag_role()
                .role_name(&name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| aws_err("UntagRole", e))?;
        }
        if !new.is_empty() {
            c.iam
                .tag_role()
                .role_name(&name)
                .set_tags(Some(iam_tags(&new)?))
                .send()
                .await
                .map_err(|e| aws_err("TagRole", e))?;
        }
    }
    must_read(c, "aws_iam_role", p).await
}

pub async fn delete_role(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    match c.iam.delete_role().role_name(s0(prior, "name")).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_err("DeleteRole", e)),
    }
}

async fn attached(c: &Clients, role: &str) -> Result<Option<Vec<String>>, ProviderError> {
    let mut arns = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = match c.iam.list_attached_role_policies().role_name(role).set_marker(marker.clone()).send().await {
            Ok(o) => o,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(aws_err("ListAttachedRolePolicies", e)),
        };
        arns.extend(out.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)));
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(Some(arns)),
        }
    }
}

pub async fn read_attachment(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let (role, arn) = (s0(st, "role"), s0(st, "policy_arn"));
    let Some(arns) = attached(c, &role).await? else { return Ok(None) };
    if !arns.contains(&arn) {
        return Ok(None);
    }
    Ok(Some(obj(vec![("role", vs(&role)), ("policy_arn", vs(&arn)), ("id", vs(format!("{role}/{arn}")))])))
}

pub async fn create_attachment(c: &Clients, p: &Value) -> Result<Value, ProviderError> {
    c.iam
        .attach_role_policy()
        .role_name(s0(p, "role"))
        .policy_arn(s0(p, "policy_arn"))
        .send()
        .await
        .map_err(|e| aws_err("AttachRolePolicy", e))?;
    must_read(c, "aws_iam_role_policy_attachment", p).await
}

pub async fn delete_attachment(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    match c.iam.detach_role_policy().role_name(s0(prior, "role")).policy_arn(s0(prior, "policy_arn")).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_err("DetachRolePolicy", e)),
    }
}
