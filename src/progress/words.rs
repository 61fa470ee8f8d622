//! The words of apply progress, as Terraform prints them: what a change is doing,
//! and how long it has taken (Go's duration format, truncated to whole seconds).

use gantry_core::plan::Action;
use std::time::Duration;

/// "Creating", "Modifying", …: the present participle Terraform starts and repeats.
pub fn doing(action: Action) -> &'static str {
    match action {
        Action::Create => "Creating",
        Action::Update => "Modifying",
        Action::Delete => "Destroying",
        Action::Read => "Reading",
        Action::NoOp => "Refreshing",
        Action::Forget => "Removing from state",
        Action::DeleteThenCreate | Action::CreateThenDelete => "Replacing",
    }
}

/// "Creation", "Modifications", …: the noun of the completion line.
pub fn done(action: Action) -> &'static str {
    match action {
        Action::Create => "Creation",
        Action::Update => "Modifications",
        Action::Delete => "Destruction",
        Action::Read => "Read",
        Action::NoOp => "Refresh",
        Action::Forget => "Removal from state",
        Action::DeleteThenCreate | Action::CreateThenDelete => "Replacement",
    }
}

/// Terraform's action name in machine-readable output.
pub fn json_action(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::Read => "read",
        Action::NoOp => "noop",
        Action::Forget => "remove",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
    }
}

/// A duration as Go prints one truncated to seconds: `0s`, `10s`, `1m30s`, `2h0m5s`.
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

pub fn started(addr: &str, action: Action) -> String {
    format!("{addr}: {}...", doing(action))
}

pub fn still(addr: &str, action: Action, so_far: Duration) -> String {
    format!("{addr}: Still {}... [{} elapsed]", doing(action).to_ascii_lowercase(), elapsed(so_far))
}

pub fn completed(addr: &str, action: Action, took: Duration, id: Option<&str>) -> String {
    let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
    format!("{addr}: {} complete after {}{id}", done(action), elapsed(took))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_prints_them_truncated_to_seconds() {
        assert_eq!(elapsed(Duration::from_millis(400)), "0s");
        assert_eq!(elapsed(Duration::from_millis(10_900)), "10s");
        assert_eq!(elapsed(Duration::from_secs(90)), "1m30s");
        assert_eq!(elapsed(Duration::from_secs(3605)), "1h0m5s");
    }

    #[test]
    fn lines_match_terraforms() {
        let a = "aws_instance.web";
        assert_eq!(
            still(a, Action::Create, Duration::from_secs(10)),
            "aws_instance.web: Still creating... [10s elapsed]"
        );
        assert_eq!(
            completed(a, Action::Create, Duration::from_secs(11), Some("i-1")),
            "aws_instance.web: Creation complete after 11s [id=i-1]"
        );
        assert_eq!(started(a, Action::Delete), "aws_instance.web: Destroying...");
    }
}
