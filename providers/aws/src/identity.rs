//! How a create whose answer was lost is found again (see the provider protocol's
//! `create_identity` and `find`). EC2 assigns VPC, subnet and security group IDs,
//! so those are tagged on create with the address and state lineage that made
//! them, and searched by those tags. EKS clusters and node groups are unique by
//! name and take the intent's token as `clientRequestToken`, so a retried create
//! returns the same object; IAM roles, attachments and buckets are unique by name.
//! Everything found by name is read back from the planned object.

use crate::util::*;
use crate::Clients;
use aws_sdk_ec2::types::Filter;
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;
use std::collections::BTreeMap;

/// Tags Gantry sets itself; they are not part of any resource's `tags`.
pub const TAG_PREFIX: &str = "gantry:";

fn tagged(type_name: &str) -> bool {
    matches!(type_name, "aws_vpc" | "aws_subnet" | "aws_security_group")
}

pub fn create_identity(type_name: &str, address: &str, lineage: &str, token: &str) -> serde_json::Value {
    if tagged(type_name) {
        serde_json::json!({ "tags": { "gantry:address": address, "gantry:lineage": lineage } })
    } else if matches!(type_name, "aws_eks_cluster" | "aws_eks_node_group") {
        // EKS allows 64 characters; the intent ID is shorter.
        serde_json::json!({ "client_request_token": token })
    } else {
        serde_json::Value::Null
    }
}

/// The tags an identity asks the create to set.
pub fn system_tags(identity: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    identity
        .and_then(|i| i.get("tags"))
        .and_then(|t| t.as_object())
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

pub fn request_token(identity: Option<&serde_json::Value>) -> Option<String> {
    identity.and_then(|i| i.get("client_request_token")).and_then(|t| t.as_str()).map(str::to_string)
}

/// The ID of the object tagged with `identity`'s tags, if one exists.
///
/// Only tag values with no pattern characters are sent as filters: EC2 treats `*` and `?`
/// in filter values as wildcards, and emulators translate `[` … `]` as character classes,
/// so the address (`aws_vpc.v[3]`, a `for_each` key holding `*`) would match other objects
/// or none. The lineage (a UUID) narrows the search to this state's objects, and every tag
/// is then compared exactly here.
pub async fn find_tagged(
    c: &Clients,
    type_name: &str,
    identity: &serde_json::Value,
) -> Result<Option<String>, ProviderError> {
    let tags = system_tags(Some(identity));
    if tags.is_empty() {
        return Ok(None);
    }
    let filters: Vec<Filter> = tags
        .iter()
        .filter(|(_, v)| !v.contains(['*', '?', '[', ']', '\\']))
        .map(|(k, v)| Filter::builder().name(format!("tag:{k}")).values(v).build())
        .collect();
    let filters = Some(filters).filter(|f| !f.is_empty());
    let carries = |found: &[aws_sdk_ec2::types::Tag]| {
        tags.iter().all(|(k, v)| found.iter().any(|t| t.key() == Some(k.as_str()) && t.value() == Some(v.as_str())))
    };
    // The three describe calls differ only in their names; each page is searched in turn.
    macro_rules! first_carrying {
        ($call:ident, $op:literal, $items:ident, $id:ident) => {{
            let mut pages = c.ec2.$call().set_filters(filters).into_paginator().send();
            let mut found = None;
            while let (None, Some(page)) = (&found, pages.next().await) {
                let page = page.map_err(|e| aws_err($op, e))?;
                found = page.$items().iter().find(|v| carries(v.tags())).and_then(|v| v.$id()).map(str::to_string);
            }
            found
        }};
    }
    let id = match type_name {
        "aws_vpc" => first_carrying!(describe_vpcs, "DescribeVpcs", vpcs, vpc_id),
        "aws_subnet" => first_carrying!(describe_subnets, "DescribeSubnets", subnets, subnet_id),
        "aws_security_group" => {
            first_carrying!(describe_security_groups, "DescribeSecurityGroups", security_groups, group_id)
        }
        _ => None,
    };
    Ok(id)
}

/// Finds a lost create's object: by its tags, or by the name the planned object gives.
pub async fn find(
    c: &Clients,
    type_name: &str,
    identity: &serde_json::Value,
    planned: &Value,
) -> Result<Option<Value>, ProviderError> {
    if tagged(type_name) {
        return match find_tagged(c, type_name, identity).await? {
            Some(id) => crate::read_any(c, type_name, &obj(vec![("id", vs(id))])).await,
            None => Ok(None),
        };
    }
    crate::read_any(c, type_name, planned).await
}
