//! `values.schema.json` validation, per chart and subchart, reported as Helm does:
//! one block per chart, one line per violation naming its values path.

use serde_json::{Map, Value as J};

use super::deps::Resolved;
use crate::error::{Error, ErrorKind, Result};

pub fn validate(root: &Resolved, vals: &Map<String, J>) -> Result<()> {
    let mut report = String::new();
    collect(root, &J::Object(vals.clone()), &mut report, 0)?;
    if report.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Schema,
        format!(
            "values don't meet the specifications of the schema(s) in the following chart(s):\n{}",
            report.trim_end()
        ),
    ))
}

fn collect(r: &Resolved, vals: &J, report: &mut String, depth: usize) -> Result<()> {
    if let Some(schema) = &r.chart.schema {
        let validator = jsonschema::options().build(schema).map_err(|e| {
            Error::new(ErrorKind::Schema, format!("{}/values.schema.json: invalid schema: {e}", r.full_path))
        })?;
        let errs: Vec<String> = validator
            .iter_errors(vals)
            .map(|e| {
                let p = e.instance_path().to_string();
                format!("- at '{}': {e}", if p.is_empty() { "/".into() } else { p })
            })
            .collect();
        if !errs.is_empty() {
            report.push_str(&format!("{}:\n{}\n", r.name, errs.join("\n")));
        }
    }
    if depth < 32 {
        for d in &r.deps {
            let sub = vals.get(&d.name).cloned().unwrap_or(J::Object(Map::new()));
            collect(d, &sub, report, depth + 1)?;
        }
    }
    Ok(())
}
