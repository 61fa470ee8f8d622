//! `aws_vpc`, `aws_subnet` and `aws_security_group`.

use crate::util::*;
use crate::{must_read, Clients};
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tag, TagSpecification, VpcAttributeName};
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;
use std::collections::BTreeMap;

/// The tags to create an object with: the configured ones and those that let a lost
/// create be found again.
fn tag_spec(
    kind: ResourceType,
    tags: &BTreeMap<String, String>,
    identity: Option<&serde_json::Value>,
) -> Option<TagSpecification> {
    let mut tags = tags.clone();
    tags.extend(crate::identity::system_tags(identity));
    let tags = &tags;
    if tags.is_empty() {
        return None;
    }
    Some(TagSpecification::builder().resource_type(kind).set_tags(Some(ec2_tags(tags))).build())
}

fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn tags_value(tags: &[Tag]) -> Value {
    let m: BTreeMap<String, String> = tags
        .iter()
        .filter(|t| !t.key().is_some_and(|k| k.starts_with(crate::identity::TAG_PREFIX)))
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    vmap(&m)
}

/// Brings an object's tags to the planned set: removes dropped keys, writes the rest.
async fn sync_tags(c: &Clients, id: &str, prior: &Value, planned: &Value) -> Result<(), ProviderError> {
    if !is_set(planned, "tags") {
        return Ok(());
    }
    let (old, new) = (smap(prior, "tags"), smap(planned, "tags"));
    if old == new {
        return Ok(());
    }
    let removed: Vec<Tag> =
        old.keys().filter(|k| !new.contains_key(*k)).map(|k| Tag::builder().key(k).build()).collect();
    if !removed.is_empty() {
        c.ec2.delete_tags().resources(id).set_tags(Some(removed)).send().await.map_err(|e| aws_err("DeleteTags", e))?;
    }
    if !new.is_empty() {
        c.ec2
            .create_tags()
            .resources(id)
            .set_tags(Some(ec2_tags(&new)))
            .send()
            .await
            .map_err(|e| aws_err("CreateTags", e))?;
    }
    Ok(())
}

// ---- VPC ----

pub async fn read_vpc(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let id = s0(st, "id");
    let out = match c.ec2.describe_vpcs().vpc_ids(&id).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(aws_err("DescribeVpcs", e)),
    };
    let Some(vpc) = out.vpcs().first() else { return Ok(None) };
    let attr = |name: VpcAttributeName| {
        let ec2 = c.ec2.clone();
        let id = id.clone();
        async move {
            let o = ec2
                .describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(name)
                .send()
                .await
                .map_err(|e| aws_err("DescribeVpcAttribute", e))?;
            Ok::<_, ProviderError>(o)
        }
    };
    let support =
        attr(VpcAttributeName::EnableDnsSupport).await?.enable_dns_support().and_then(|a| a.value()).unwrap_or(true);
    let hostnames = attr(VpcAttributeName::EnableDnsHostnames)
        .await?
        .enable_dns_hostnames()
        .and_then(|a| a.value())
        .unwrap_or(false);
    Ok(Some(obj(vec![
        ("cidr_block", vopt(vpc.cidr_block())),
        ("enable_dns_support", Value::Bool(support)),
        ("enable_dns_hostnames", Value::Bool(hostnames)),
        ("tags", tags_value(vpc.tags())),
        ("id", vs(&id)),
        ("arn", vs(format!("arn:aws:ec2:{}:{}:vpc/{id}", c.region, vpc.owner_id().unwrap_or_default()))),
    ])))
}

async fn set_vpc_attrs(c: &Clients, id: &str, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
    for (key, is_hostnames) in [("enable_dns_support", false), ("enable_dns_hostnames", true)] {
        let Some(want) = b(planned, key) else { continue };
        if prior.and_then(|p| b(p, key)) == Some(want) {
            continue;
        }
        let v = AttributeBooleanValue::builder().value(want).build();
        let req = c.ec2.modify_vpc_attribute().vpc_id(id);
        let req = if is_hostnames { req.enable_dns_hostnames(v) } else { req.enable_dns_support(v) };
        req.send().await.map_err(|e| aws_err("ModifyVpcAttribute", e))?;
    }
    Ok(())
}

pub async fn create_vpc(c: &Clients, p: &Value, identity: Option<&serde_json::Value>) -> Result<Value, ProviderError> {
    let out = c
        .ec2
        .create_vpc()
        .cidr_block(s0(p, "cidr_block"))
        .set_tag_specifications(tag_spec(ResourceType::Vpc, &smap(p, "tags"), identity).map(|t| vec![t]))
        .send()
        .await
        .map_err(|e| aws_err("CreateVpc", e))?;
    let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_string();
    set_vpc_attrs(c, &id, None, p).await?;
    must_read(c, "aws_vpc", &obj(vec![("id", vs(id))])).await
}

pub async fn update_vpc(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    let id = s0(prior, "id");
    set_vpc_attrs(c, &id, Some(prior), p).await?;
    sync_tags(c, &id, prior, p).await?;
    must_read(c, "aws_vpc", prior).await
}

pub async fn delete_vpc(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    match c.ec2.delete_vpc().vpc_id(s0(prior, "id")).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_err("DeleteVpc", e)),
    }
}

// ---- subnet ----

pub async fn read_subnet(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let out = match c.ec2.describe_subnets().subnet_ids(s0(st, "id")).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(aws_err("DescribeSubnets", e)),
    };
    let Some(sn) = out.subnets().first() else { return Ok(None) };
    Ok(Some(obj(vec![
        ("vpc_id", vopt(sn.vpc_id())),
        ("cidr_block", vopt(sn.cidr_block())),
        ("availability_zone", vopt(sn.availability_zone())),
        ("map_public_ip_on_launch", Value::Bool(sn.map_public_ip_on_launch().unwrap_or(false))),
        ("tags", tags_value(sn.tags())),
        ("id", vopt(sn.subnet_id())),
        ("arn", vopt(sn.subnet_arn())),
    ])))
}

async fn set_public_ip(c: &Clients, id: &str, prior: Option<&Value>, p: &Value) -> Result<(), ProviderError> {
    let Some(want) = b(p, "map_public_ip_on_launch") else { return Ok(()) };
    if prior.and_then(|x| b(x, "map_public_ip_on_launch")) == Some(want) || (prior.is_none() && !want) {
        return Ok(());
    }
    c.ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
        .send()
        .await
        .map_err(|e| aws_err("ModifySubnetAttribute", e))?;
    Ok(())
}

pub async fn create_subnet(
    c: &Clients,
    p: &Value,
    identity: Option<&serde_json::Value>,
) -> Result<Value, ProviderError> {
    let out = c
        .ec2
        .create_subnet()
        .vpc_id(s0(p, "vpc_id"))
        .cidr_block(s0(p, "cidr_block"))
        .set_availability_zone(s(p, "availability_zone"))
        .set_tag_specifications(tag_spec(ResourceType::Subnet, &smap(p, "tags"), identity).map(|t| vec![t]))
        .send()
        .await
        .map_err(|e| aws_err("CreateSubnet", e))?;
    let id = out.subnet().and_then(|v| v.subnet_id()).unwrap_or_default().to_string();
    set_public_ip(c, &id, None, p).await?;
    must_read(c, "aws_subnet", &obj(vec![("id", vs(id))])).await
}

pub async fn update_subnet(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    let id = s0(prior, "id");
    set_public_ip(c, &id, Some(prior), p).await?;
    sync_tags(c, &id, prior, p).await?;
    must_read(c, "aws_subnet", prior).await
}

pub async fn delete_subnet(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    match c.ec2.delete_subnet().subnet_id(s0(prior, "id")).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_err("DeleteSubnet", e)),
    }
}

// ---- security group ----

pub async fn read_sg(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let out = match c.ec2.describe_security_groups().group_ids(s0(st, "id")).send().await {
        Ok(o) => o,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(aws_err("DescribeSecurityGroups", e)),
    };
    let Some(g) = out.security_groups().first() else { return Ok(None) };
    let id = g.group_id().unwrap_or_default().to_string();
    let arn = g.security_group_arn().map(str::to_string).unwrap_or_else(|| {
        format!("arn:aws:ec2:{}:{}:security-group/{id}", c.region, g.owner_id().unwrap_or_default())
    });
    Ok(Some(obj(vec![
        ("name", vopt(g.group_name())),
        ("description", vopt(g.description())),
        ("vpc_id", vopt(g.vpc_id())),
        ("tags", tags_value(g.tags())),
        ("id", vs(id)),
        ("arn", vs(arn)),
    ])))
}

pub async fn create_sg(c: &Clients, p: &Value, identity: Option<&serde_json::Value>) -> Result<Value, ProviderError> {
    let out = c
        .ec2
        .create_security_group()
        .group_name(s0(p, "name"))
        .description(s(p, "description").unwrap_or_else(|| "Managed by Gantry".into()))
        .vpc_id(s0(p, "vpc_id"))
        .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, &smap(p, "tags"), identity).map(|t| vec![t]))
        .send()
        .await
        .map_err(|e| aws_err("CreateSecurityGroup", e))?;
    must_read(c, "aws_security_group", &obj(vec![("id", vopt(out.group_id()))])).await
}

pub async fn update_sg(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    sync_tags(c, &s0(prior, "id"), prior, p).await?;
    must_read(c, "aws_security_group", prior).await
}

pub async fn delete_sg(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    match c.ec2.delete_security_group().group_id(s0(prior, "id")).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_err("DeleteSecurityGroup", e)),
    }
}
