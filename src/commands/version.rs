//! `gantry version` (and `gantry -version`): the release and the platform, as Terraform
//! prints them, or as JSON for scripts.

use anyhow::Result;

/// The platform in the `os_arch` form Terraform users know (`linux_amd64`).
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

pub fn run(json: bool) -> Result<u8> {
    let registry = crate::registry();
    let providers: Vec<&str> = registry.names().collect();
    if json {
        let doc = serde_json::json!({
            "gantry_version": env!("CARGO_PKG_VERSION"),
            "platform": platform(),
            "providers": providers,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!(
            "Gantry v{}\non {}\n\nBuilt with the providers: {}",
            env!("CARGO_PKG_VERSION"),
            platform(),
            providers.join(", ")
        );
    }
    Ok(0)
}
