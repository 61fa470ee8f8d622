//! Prints `kubectl kustomize DIR` output: `kbuild DIR [--reorder none|legacy]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut opts = gantry_kustomize::Options::default();
    if args.get(2).map(String::as_str) == Some("--reorder") {
        opts.reorder = match args.get(3).map(String::as_str) {
            Some("none") => gantry_kustomize::Reorder::None,
            _ => gantry_kustomize::Reorder::Legacy,
        };
    }
    match gantry_kustomize::build(std::path::Path::new(&args[1]), &opts) {
        Ok(b) => print!("{}", b.to_yaml()),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
