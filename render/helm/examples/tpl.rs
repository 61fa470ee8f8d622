fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data: serde_json::Value = serde_json::from_str(args.get(2).map(|s| s.as_str()).unwrap_or("{}")).unwrap();
    let v = gantry_helm::value::Value::from_json_with(&data, false);
    match gantry_helm::template::render_string("t", &args[1], &v) {
        Ok(s) => println!("OK[{s}]"),
        Err(e) => println!("ERR[{e}]"),
    }
}
