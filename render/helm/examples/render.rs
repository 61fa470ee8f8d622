//! `cargo run -p gantry-helm --example render -- CHART [VALUES.yaml...]` prints what
//! `helm template` would.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: render CHART [VALUES.yaml...]");
        std::process::exit(2);
    };
    let chart = match gantry_helm::Chart::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    };
    let values = args[1..].iter().map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"))).collect();
    let opts = gantry_helm::RenderOptions {
        release_name: "release-name".into(),
        namespace: "default".into(),
        values,
        ..Default::default()
    };
    match gantry_helm::render(&chart, &opts) {
        Ok(r) => print!("{}", r.manifest),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
