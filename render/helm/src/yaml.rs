//! Reading YAML as Helm does (sigs.k8s.io/yaml): through JSON, so mapping keys
//! become strings, merge keys (`<<`) are applied and tags are dropped.

use serde_yaml_ng::Value as Y;

/// Parses one YAML document into JSON-shaped data. Empty input is `null`.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, String> {
    let mut y: Y = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    y.apply_merge().map_err(|e| e.to_string())?;
    Ok(to_json(&y, 0))
}

/// Parses every document of a YAML stream.
pub fn parse_yaml_stream(text: &str) -> Result<Vec<serde_json::Value>, String> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let mut y: Y = serde::Deserialize::deserialize(doc).map_err(|e| e.to_string())?;
        y.apply_merge().map_err(|e| e.to_string())?;
        out.push(to_json(&y, 0));
    }
    Ok(out)
}

fn key_string(k: &Y) -> String {
    match k {
        Y::String(s) => s.clone(),
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => n.to_string(),
        Y::Null => "null".into(),
        Y::Tagged(t) => key_string(&t.value),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn to_json(y: &Y, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > crate::value::MAX_DATA_DEPTH {
        return J::Null;
    }
    match y {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0)).map_or(J::Null, J::Number)
            }
        }
        Y::String(s) => J::String(s.clone()),
        Y::Sequence(s) => J::Array(s.iter().map(|v| to_json(v, depth + 1)).collect()),
        Y::Mapping(m) => J::Object(
            m.iter()
                .map(|(k, v)| (key_string(k), to_json(v, depth + 1)))
                .collect(),
        ),
        Y::Tagged(t) => to_json(&t.value, depth + 1),
    }
}
