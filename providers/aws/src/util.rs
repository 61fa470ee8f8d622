//! Small helpers shared by the resource types: reading and building values,
//! turning AWS errors into provider errors, and waiting for a status.

use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use gantry_core::provider::ProviderError;
use gantry_core::value::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

pub fn err(summary: impl Into<String>, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}

/// An AWS error as the user should see it: the operation, the AWS error code and message.
/// Never includes request signing details or credentials.
pub fn aws_err<E, R>(op: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = match (e.code(), e.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ => {
            // The chain of causes, without the raw request and response.
            let mut text = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                text.push_str(&format!(": {s}"));
                src = s.source();
            }
            match &e {
                SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                    format!("could not reach AWS ({text}); check credentials, the region, endpoint_url and the network")
                }
                _ => text,
            }
        }
    };
    err(format!("AWS {op} failed"), detail)
}

/// Whether an error says the object does not exist (each service spells it its own way).
pub fn is_not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    not_found_code(e.code())
}

pub fn not_found_code(code: Option<&str>) -> bool {
    matches!(code, Some(c) if c.ends_with("NotFound")
        || c.ends_with(".NotFound")
        || c == "ResourceNotFoundException"
        || c == "NoSuchEntity"
        || c == "NoSuchBucket"
        || c == "NoSuchKey"
        || c == "NotFoundException")
}

// ---- reading values ----

pub fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(str::to_string)
}

pub fn s0(v: &Value, k: &str) -> String {
    s(v, k).unwrap_or_default()
}

pub fn n(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(|x| x.as_f64())
}

pub fn b(v: &Value, k: &str) -> Option<bool> {
    v.get(k).and_then(|x| x.as_bool())
}

pub fn strs(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(|x| x.as_list())
        .map(|l| l.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub fn smap(v: &Value, k: &str) -> BTreeMap<String, String> {
    v.get(k)
        .and_then(|x| x.as_object())
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

pub fn is_set(v: &Value, k: &str) -> bool {
    v.get(k).is_some_and(|x| !x.is_null() && *x != Value::Unknown)
}

// ---- building values ----

pub fn vs(x: impl Into<String>) -> Value {
    Value::string(x)
}

pub fn vopt(x: Option<impl Into<String>>) -> Value {
    x.map(|x| Value::string(x)).unwrap_or(Value::Null)
}

pub fn vlist<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::List(items.into_iter().map(|x| Value::string(x)).collect())
}

pub fn vmap<'a, I: IntoIterator<Item = (&'a String, &'a String)>>(items: I) -> Value {
    Value::Object(items.into_iter().map(|(k, v)| (k.clone(), Value::string(v.clone()))).collect())
}

pub fn obj(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map>())
}

pub fn set(v: &mut Value, k: &str, x: Value) {
    if let Value::Object(m) = v {
        m.insert(k.to_string(), x);
    }
}

pub fn to_hash(m: &BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A list read back from AWS in the order the prior state had it, when both hold the
/// same elements, so that an API that reorders is not reported as drift.
pub fn keep_order(prior: Option<&Value>, live: Value) -> Value {
    let (Some(Value::List(p)), Value::List(l)) = (prior.map(Value::unmarked), &live) else { return live };
    let mut a: Vec<String> = p.iter().map(|x| format!("{x:?}")).collect();
    let mut c: Vec<String> = l.iter().map(|x| format!("{x:?}")).collect();
    a.sort();
    c.sort();
    if a == c {
        Value::List(p.clone())
    } else {
        live
    }
}

/// Keeps the prior JSON text when the live document means the same (AWS reformats policies).
pub fn same_json(prior: Option<&str>, live: &str) -> String {
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
    match prior {
        Some(p) if parse(p).is_some() && parse(p) == parse(live) => p.to_string(),
        _ => live.to_string(),
    }
}

/// Decodes `%XX` escapes (IAM returns policy documents URL-encoded).
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(h) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(h);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- waiting ----

/// What one look at a changing object found.
pub enum Poll<T> {
    Ready(T),
    /// Still changing; the status, for the timeout message.
    Pending(String),
}

/// Polls until `poll` reports ready, an error, or `timeout` passes. The first look is
/// immediate, so an API that changes state at once (or an emulator) costs no sleep.
pub async fn wait_for<T, F, Fut>(
    what: &str,
    interval: Duration,
    timeout: Duration,
    mut poll: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, ProviderError>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match poll().await? {
            Poll::Ready(t) => return Ok(t),
            Poll::Pending(status) => {
                if tokio::time::Instant::now() + interval > deadline {
                    return Err(err(
                        format!("Timed out waiting for {what}"),
                        format!("still {status} after {}s; the operation may go on in AWS. Run plan again later to see where it ended.", timeout.as_secs()),
                    ));
                }
                tokio::time::sleep(interval).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn waits_through_pending_states_until_ready() {
        let calls = AtomicUsize::new(0);
        let statuses = ["CREATING", "CREATING", "ACTIVE"];
        let got = wait_for("cluster", Duration::from_millis(1), Duration::from_secs(5), || {
            let i = calls.fetch_add(1, Ordering::SeqCst);
            let st = statuses[i];
            async move { Ok(if st == "ACTIVE" { Poll::Ready(st.to_string()) } else { Poll::Pending(st.to_string()) }) }
        })
        .await
        .unwrap();
        assert_eq!(got, "ACTIVE");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn times_out_with_the_last_status() {
        let e = wait_for::<(), _, _>("node group", Duration::from_millis(5), Duration::from_millis(20), || async {
            Ok(Poll::Pending("UPDATING".into()))
        })
        .await
        .unwrap_err();
        assert!(e.summary.contains("node group") && e.detail.contains("UPDATING"), "{e}");
    }

    #[tokio::test]
    async fn an_error_stops_the_wait() {
        let calls = AtomicUsize::new(0);
        let e = wait_for::<(), _, _>("cluster", Duration::from_millis(1), Duration::from_secs(5), || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(err("Cluster failed", "status FAILED")) }
        })
        .await
        .unwrap_err();
        assert_eq!(e.summary, "Cluster failed");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn helpers() {
        assert_eq!(url_decode("%7B%22a%22%3A1%7D"), "{\"a\":1}");
        assert_eq!(same_json(Some("{\"a\": 1}"), "{\"a\":1}"), "{\"a\": 1}");
        assert_eq!(same_json(Some("{\"a\": 2}"), "{\"a\":1}"), "{\"a\":1}");
        let prior = vlist(["b", "a"]);
        assert_eq!(keep_order(Some(&prior), vlist(["a", "b"])), prior);
        assert_eq!(keep_order(Some(&prior), vlist(["a", "c"])), vlist(["a", "c"]));
        assert!(
            not_found_code(Some("InvalidVpcID.NotFound"))
                && not_found_code(Some("NoSuchEntity"))
                && !not_found_code(Some("Throttling"))
        );
    }
}
