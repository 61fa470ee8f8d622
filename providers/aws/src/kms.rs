//! The `aws_kms` key provider, as OpenTofu's: each run that encrypts asks KMS for a new data
//! key (GenerateDataKey) and stores the data key KMS encrypted (`ciphertext_blob`) in the
//! file's metadata; reading asks KMS to decrypt that blob. The KMS key itself never leaves KMS.
//!
//! ```hcl
//! key_provider "aws_kms" "main" {
//!   kms_key_id = "alias/gantry-state"
//!   key_spec   = "AES_256"
//!   region     = "us-east-1"
//! }
//! ```
//!
//! Core's key provider calls are synchronous; each KMS call runs on the provider's own small
//! runtime on a scoped thread, as the S3 backend's calls do.

use crate::backend::run_on;
use crate::{sdk_config, Connection};
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine as _;
use gantry_core::encryption::{
    Key, KeyProvider, KeyProviderError, KeyProviderFactory, KeyProviderSettings, SettingError,
};
use std::sync::Arc;

const ARGUMENTS: &[&str] = &["kms_key_id", "key_spec", "region", "endpoint", "profile"];

/// `key_provider "aws_kms" "NAME" { … }` for the key provider registry.
pub struct KmsKeyProviderFactory;

impl KmsKeyProviderFactory {
    pub fn arc() -> Arc<dyn KeyProviderFactory> {
        Arc::new(KmsKeyProviderFactory)
    }
}

impl KeyProviderFactory for KmsKeyProviderFactory {
    fn name(&self) -> &str {
        "aws_kms"
    }

    fn arguments(&self) -> &[&str] {
        ARGUMENTS
    }

    fn open(&self, s: &KeyProviderSettings) -> Result<Box<dyn KeyProvider>, SettingError> {
        let key_id = match s.string("kms_key_id")? {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => {
                return Err(SettingError::block("kms_key_id is required: the ID, ARN or alias of a symmetric KMS key"))
            }
        };
        let spec = match s.string("key_spec")? {
            Some("AES_256") => DataKeySpec::Aes256,
            Some("AES_128") => DataKeySpec::Aes128,
            Some(other) => {
                return Err(SettingError::at(
                    "key_spec",
                    format!("key_spec must be \"AES_256\" or \"AES_128\", not \"{other}\""),
                ))
            }
            None => return Err(SettingError::block("key_spec is required: key_spec = \"AES_256\"")),
        };
        let conn = Connection {
            region: s.string("region")?.map(str::to_string),
            profile: s.string("profile")?.map(str::to_string),
            endpoint_url: s.string("endpoint")?.map(str::to_string),
            max_retries: None,
            retry: None,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SettingError::block(format!("cannot start a runtime: {e}")))?;
        let sdk = run_on(&rt, sdk_config(&conn));
        if sdk.region().is_none() {
            return Err(SettingError::block("a region is required: set region in the block, or AWS_REGION"));
        }
        Ok(Box::new(KmsKeyProvider {
            key_id,
            spec,
            client: aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(&sdk).interceptor(crate::call_log::CallLog).build(),
            ),
            rt: Some(rt),
        }))
    }
}

pub struct KmsKeyProvider {
    key_id: String,
    spec: DataKeySpec,
    client: aws_sdk_kms::Client,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for KmsKeyProvider {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics; this never blocks.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// The metadata as OpenTofu writes it: `{"ciphertext_blob": "<base64>"}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Metadata {
    ciphertext_blob: String,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn failed<E: ProvideErrorMetadata + std::error::Error>(op: &str, key_id: &str, e: &E) -> KeyProviderError {
    KeyProviderError(format!("KMS {op} with key \"{key_id}\" failed: {}", crate::backend::sdk_detail(e)))
}

impl KmsKeyProvider {
    fn run<F>(&self, f: F) -> F::Output
    where
        F: std::future::Future + Send,
        F::Output: Send,
    {
        run_on(self.rt.as_ref().expect("the runtime lives as long as the provider"), f)
    }
}

impl KeyProvider for KmsKeyProvider {
    fn encryption_key(&self) -> Result<(Key, Vec<u8>), KeyProviderError> {
        let out = self
            .run(async {
                self.client.generate_data_key().key_id(&self.key_id).key_spec(self.spec.clone()).send().await
            })
            .map_err(|e| failed("GenerateDataKey", &self.key_id, &e))?;
        let (Some(plain), Some(blob)) = (out.plaintext(), out.ciphertext_blob()) else {
            return Err(KeyProviderError("KMS GenerateDataKey returned no data key".into()));
        };
        let meta = Metadata { ciphertext_blob: b64().encode(blob.as_ref()) };
        Ok((Key::new(plain.as_ref().to_vec()), serde_json::to_vec(&meta).unwrap_or_default()))
    }

    fn decryption_key(&self, meta: &[u8]) -> Result<Key, KeyProviderError> {
        let bad = |what: String| KeyProviderError(format!("its aws_kms metadata is invalid: {what}"));
        let m: Metadata = serde_json::from_slice(meta).map_err(|e| bad(e.to_string()))?;
        let blob = b64().decode(&m.ciphertext_blob).map_err(|e| bad(format!("ciphertext_blob is not base64: {e}")))?;
        let out = self
            .run(async { self.client.decrypt().key_id(&self.key_id).ciphertext_blob(Blob::new(blob)).send().await })
            .map_err(|e| failed("Decrypt", &self.key_id, &e))?;
        let plain = out.plaintext().ok_or_else(|| KeyProviderError("KMS Decrypt returned no plaintext".into()))?;
        Ok(Key::new(plain.as_ref().to_vec()))
    }
}

#[cfg(test)]
mod tests;
