//! `aws_s3_bucket`, with inline `versioning { enabled }`.

use crate::util::*;
use crate::{must_read, Clients};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Tag, Tagging, VersioningConfiguration,
};
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;
use std::collections::BTreeMap;

pub async fn read_bucket(c: &Clients, st: &Value) -> Result<Option<Value>, ProviderError> {
    let bucket = s0(st, "bucket");
    match c.s3.head_bucket().bucket(&bucket).send().await {
        Ok(_) => {}
        Err(e) if is_not_found(&e) || e.as_service_error().is_some_and(|s| s.is_not_found()) => return Ok(None),
        Err(e) => return Err(aws_err("HeadBucket", e)),
    }
    let enabled = versioning_enabled(c, &bucket).await?;
    let tags: BTreeMap<String, String> = match c.s3.get_bucket_tagging().bucket(&bucket).send().await {
        Ok(t) => t.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
        Err(e) if e.code() == Some("NoSuchTagSet") || is_not_found(&e) => BTreeMap::new(),
        Err(e) => return Err(aws_err("GetBucketTagging", e)),
    };
    Ok(Some(obj(vec![
        ("bucket", vs(&bucket)),
        // Gantry's own setting, not AWS's: kept from state.
        ("force_destroy", Value::Bool(b(st, "force_destroy").unwrap_or(false))),
        ("tags", vmap(&tags)),
        ("id", vs(&bucket)),
        ("arn", vs(format!("arn:aws:s3:::{bucket}"))),
        ("region", vs(c.region.clone())),
        ("versioning", obj(vec![("enabled", Value::Bool(enabled))])),
    ])))
}

use aws_sdk_s3::error::ProvideErrorMetadata as _;

/// Whether versioning is on. moto 5.2 wraps this one response in an element the SDK
/// does not expect; the raw body still says what the status is.
pub(crate) async fn versioning_enabled(c: &Clients, bucket: &str) -> Result<bool, ProviderError> {
    match c.s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(v) => Ok(v.status() == Some(&BucketVersioningStatus::Enabled)),
        Err(e) => match e.raw_response().and_then(|r| r.body().bytes()) {
            Some(body) if e.code().is_none() && e.raw_response().is_some_and(|r| r.status().is_success()) => {
                Ok(String::from_utf8_lossy(body).contains("<Status>Enabled</Status>"))
            }
            _ => Err(aws_err("GetBucketVersioning", e)),
        },
    }
}

async fn set_versioning(c: &Clients, bucket: &str, prior: Option<&Value>, p: &Value) -> Result<(), ProviderError> {
    let want = p.get("versioning").and_then(|v| b(v, "enabled"));
    let have = prior.and_then(|x| x.get("versioning")).and_then(|v| b(v, "enabled")).unwrap_or(false);
    let Some(want) = want else { return Ok(()) };
    if want == have {
        return Ok(());
    }
    let status = if want { BucketVersioningStatus::Enabled } else { BucketVersioningStatus::Suspended };
    c.s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(|e| aws_err("PutBucketVersioning", e))?;
    Ok(())
}

async fn set_tags(c: &Clients, bucket: &str, prior: Option<&Value>, p: &Value) -> Result<(), ProviderError> {
    let new = smap(p, "tags");
    let old = prior.map(|x| smap(x, "tags")).unwrap_or_default();
    if !is_set(p, "tags") || new == old {
        return Ok(());
    }
    if new.is_empty() {
        c.s3.delete_bucket_tagging().bucket(bucket).send().await.map_err(|e| aws_err("DeleteBucketTagging", e))?;
        return Ok(());
    }
    let tags: Vec<Tag> = new
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| err("Invalid tag", e.to_string()))?;
    let tagging = Tagging::builder().set_tag_set(Some(tags)).build().map_err(|e| err("Invalid tags", e.to_string()))?;
    c.s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| aws_err("PutBucketTagging", e))?;
    Ok(())
}

pub async fn create_bucket(c: &Clients, p: &Value) -> Result<Value, ProviderError> {
    let bucket = s0(p, "bucket");
    let mut req = c.s3.create_bucket().bucket(&bucket);
    if c.region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(c.region.as_str()))
                .build(),
        );
    }
    req.send().await.map_err(|e| aws_err("CreateBucket", e))?;
    set_versioning(c, &bucket, None, p).await?;
    set_tags(c, &bucket, None, p).await?;
    must_read(c, "aws_s3_bucket", p).await
}

pub async fn update_bucket(c: &Clients, prior: &Value, p: &Value) -> Result<Value, ProviderError> {
    let bucket = s0(prior, "bucket");
    set_versioning(c, &bucket, Some(prior), p).await?;
    set_tags(c, &bucket, Some(prior), p).await?;
    must_read(c, "aws_s3_bucket", p).await
}

/// Deletes every object version and delete marker (for `force_destroy`).
async fn empty_bucket(c: &Clients, bucket: &str) -> Result<(), ProviderError> {
    loop {
        let out =
            c.s3.list_object_versions().bucket(bucket).send().await.map_err(|e| aws_err("ListObjectVersions", e))?;
        let mut items: Vec<(String, Option<String>)> = out
            .versions()
            .iter()
            .filter_map(|v| Some((v.key()?.to_string(), v.version_id().map(str::to_string))))
            .collect();
        items.extend(
            out.delete_markers()
                .iter()
                .filter_map(|v| Some((v.key()?.to_string(), v.version_id().map(str::to_string)))),
        );
        if items.is_empty() {
            return Ok(());
        }
        for (key, version) in items {
            c.s3.delete_object()
                .bucket(bucket)
                .key(key)
                .set_version_id(version)
                .send()
                .await
                .map_err(|e| aws_err("DeleteObject", e))?;
        }
    }
}

pub async fn delete_bucket(c: &Clients, prior: &Value) -> Result<(), ProviderError> {
    let bucket = s0(prior, "bucket");
    if b(prior, "force_destroy") == Some(true) {
        match empty_bucket(c, &bucket).await {
            Err(e) if e.detail.starts_with("NoSuchBucket") => return Ok(()),
            r => r?,
        }
    }
    match c.s3.delete_bucket().bucket(&bucket).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => {
            let mut pe = aws_err("DeleteBucket", e);
            if pe.detail.starts_with("BucketNotEmpty") {
                pe.detail.push_str(". Set force_destroy = true to delete the objects with the bucket.");
            }
            Err(pe)
        }
    }
}
