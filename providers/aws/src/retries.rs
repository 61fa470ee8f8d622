//! The provider's `retry` block mapped onto the SDK's own retries.
//!
//! The SDK already retries throttling (`Throttling*`, `RequestLimitExceeded`), 5xx
//! answers and connection errors with exponential backoff and full jitter, and it
//! knows each service's error codes; retrying around it again would multiply the
//! attempts. So the shared policy configures the SDK's standard mode instead, and
//! `max_elapsed` becomes its operation timeout (all attempts of one call together).

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use gantry_core::retry::RetryPolicy;
use gantry_core::value::Value;

/// The retry policy a provider configuration asks for, or none for the SDK's
/// settings of old (`max_retries`, default 10 attempts, no operation timeout).
/// Inside a `retry` block, an unset `max_attempts` still honours `max_retries`.
pub fn policy(config: &Value) -> Result<Option<RetryPolicy>, gantry_core::provider::ProviderError> {
    let Some(block) = config.get("retry").filter(|b| !b.is_null()) else { return Ok(None) };
    let mut policy = RetryPolicy::from_config(config)?;
    let attempts_unset = block.get("max_attempts").is_none_or(Value::is_null);
    if let (true, Some(n)) = (attempts_unset, config.get("max_retries").and_then(Value::as_f64)) {
        policy.max_attempts = (n as u32).max(1);
    }
    Ok(Some(policy))
}

/// The SDK's standard retry mode with the policy's attempts and delays.
pub fn retry_config(policy: &RetryPolicy) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(policy.max_attempts.max(1))
        .with_initial_backoff(policy.base_delay)
        .with_max_backoff(policy.max_delay)
}

/// Bounds one call, every attempt and delay included, by `max_elapsed`.
pub fn timeout_config(policy: &RetryPolicy) -> TimeoutConfig {
    TimeoutConfig::builder().operation_timeout(policy.max_elapsed).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::error::ProvideErrorMetadata;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A loopback EKS endpoint that throttles the first `throttles` requests (HTTP 429,
    /// `ThrottlingException`, as EKS answers) and then answers ListClusters as EKS
    /// would. Returns its URL and the count of requests it has seen.
    fn throttling_server(throttles: usize) -> (String, Arc<AtomicUsize>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let counter = counter.clone();
                std::thread::spawn(move || serve(stream, throttles, &counter));
            }
        });
        (url, seen)
    }

    /// Answers the requests of one connection, which the client may keep alive.
    fn serve(stream: std::net::TcpStream, throttles: usize, seen: &AtomicUsize) {
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        loop {
            let mut length = 0usize;
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let (status, extra, body) = if n < throttles {
                ("429 Too Many Requests", "x-amzn-ErrorType: ThrottlingException\r\n", r#"{"message":"Rate exceeded"}"#)
            } else {
                ("200 OK", "", r#"{"clusters":["ml"]}"#)
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if writer.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
    }

    fn client(url: &str, policy: &RetryPolicy) -> aws_sdk_eks::Client {
        let config = aws_sdk_eks::Config::builder()
            .behavior_version(aws_sdk_eks::config::BehaviorVersion::latest())
            .region(aws_sdk_eks::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_eks::config::Credentials::new("test", "test", None, None, "test"))
            .endpoint_url(url)
            .retry_config(retry_config(policy))
            .timeout_config(timeout_config(policy))
            .build();
        aws_sdk_eks::Client::from_conf(config)
    }

    fn quick(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            max_elapsed: Duration::from_secs(60),
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        }
    }

    #[tokio::test]
    async fn throttling_is_retried_exactly_max_attempts_times() {
        let (url, seen) = throttling_server(usize::MAX);
        // Four, not the SDK's default of three, so the count shows the policy was applied.
        let e = client(&url, &quick(4)).list_clusters().send().await.unwrap_err();
        assert_eq!(e.code(), Some("ThrottlingException"));
        assert_eq!(seen.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_call_throttled_fewer_times_than_allowed_succeeds() {
        let (url, seen) = throttling_server(2);
        let out = client(&url, &quick(5)).list_clusters().send().await.unwrap();
        assert_eq!(out.clusters(), ["ml"]);
        assert_eq!(seen.load(Ordering::SeqCst), 3, "two throttled attempts, then the answer");
    }

    #[tokio::test]
    async fn one_attempt_means_no_retry() {
        let (url, seen) = throttling_server(usize::MAX);
        assert!(client(&url, &quick(1)).list_clusters().send().await.is_err());
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_block_maps_onto_the_sdk_and_keeps_max_retries() {
        let retry = |entries: Vec<(&str, Value)>| Value::object(entries);
        let config = Value::object([
            ("max_retries", Value::number(7)),
            ("retry", retry(vec![("max_elapsed", Value::string("90s")), ("base_delay", Value::string("2s"))])),
        ]);
        let p = policy(&config).unwrap().unwrap();
        assert_eq!(p.max_attempts, 7, "max_retries stands when the block does not say");
        assert_eq!(timeout_config(&p).operation_timeout(), Some(Duration::from_secs(90)));
        let rc = retry_config(&p);
        assert_eq!((rc.max_attempts(), rc.initial_backoff()), (7, Duration::from_secs(2)));
        let config = Value::object([
            ("max_retries", Value::number(7)),
            ("retry", retry(vec![("max_attempts", Value::number(2))])),
        ]);
        assert_eq!(policy(&config).unwrap().unwrap().max_attempts, 2);
        assert_eq!(policy(&Value::object([("retry", Value::Null)])).unwrap(), None);
    }
}
