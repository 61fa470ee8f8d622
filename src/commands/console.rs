//! `gantry console`: evaluates expressions against the configuration and state, one a line,
//! and prints each value as `terraform console` does.

use super::{cli_vars, env_vars, load_checked, lock, print_diags, read_state, settings, store_of, EXIT_ERROR};
use crate::views::Style;
use anyhow::Result;
use gantry_core::engine::{self, Console};
use gantry_core::value::{format_number, quote, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub async fn run(dir: &Path, raw: &[String], style: &Style) -> Result<u8> {
    let vars = cli_vars(raw)?;
    let registry = crate::registry();
    let Some((config, mut diags)) = load_checked(dir, &registry, style) else { return Ok(EXIT_ERROR) };
    let encryption = super::encryption_of(&config, &vars, style)?;
    let store = store_of(&config, encryption.as_ref(), style)?;
    // The lock is held while state is read, and no longer: a console left open blocks no apply.
    let state = {
        let _lock = lock(store.as_ref(), "console", std::time::Duration::ZERO).await?;
        read_state(store.as_ref())?
    };
    let inputs = engine::collect_inputs(&config, &env_vars(), &vars, &mut diags);
    if diags.has_errors() {
        print_diags(&diags, &config.sources, style);
        return Ok(EXIT_ERROR);
    }
    let s = settings(&registry, dir, inputs, 1, &engine::NoHook);
    let (console, setup) = Console::new(&config, &s, &state).await;
    diags.extend(setup);
    if diags.has_errors() {
        print_diags(&diags, &config.sources, style);
        return Ok(EXIT_ERROR);
    }
    let interactive = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            print!("> ");
            let _ = std::io::stdout().flush();
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "exit" {
            break;
        }
        match console.evaluate(line) {
            Ok(v) => println!("{}", render(&v, 0)),
            Err(d) => {
                print_diags(&d, &config.sources, style);
                // Piped input stops at the first error, as Terraform's does, so a script sees it.
                if !interactive {
                    return Ok(EXIT_ERROR);
                }
            }
        }
    }
    Ok(0)
}

/// A value as `terraform console` prints it: one element or attribute a line, two spaces
/// deeper for each level, lists with trailing commas, multi-line strings as heredocs.
fn render(v: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent + 2);
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(n),
        Value::String(s) if s.contains('\n') && indent == 0 => format!("<<EOT\n{s}\nEOT"),
        Value::String(s) if s.contains('\n') => {
            let margin = " ".repeat(indent);
            let lines: String = s.split('\n').map(|l| format!("{margin}{l}\n")).collect();
            format!("<<-EOT\n{lines}{margin}EOT")
        }
        Value::String(s) => quote(s),
        Value::Unknown => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::List(items) if items.is_empty() => "[]".into(),
        Value::List(items) => {
            let body: String = items.iter().map(|i| format!("{pad}{},\n", render(i, indent + 2))).collect();
            format!("[\n{body}{}]", " ".repeat(indent))
        }
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let body: String =
                map.iter().map(|(k, i)| format!("{pad}{} = {}\n", quote(k), render(i, indent + 2))).collect();
            format!("{{\n{body}{}}}", " ".repeat(indent))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_print_as_terraform_console_does() {
        let v = Value::object([
            ("a", Value::number(1)),
            ("c", Value::List(vec![Value::number(1), Value::number(2)])),
            ("d", Value::object([("e", Value::Bool(true))])),
        ]);
        assert_eq!(
            render(&v, 0),
            "{\n  \"a\" = 1\n  \"c\" = [\n    1,\n    2,\n  ]\n  \"d\" = {\n    \"e\" = true\n  }\n}"
        );
        assert_eq!(render(&Value::string("a\nb"), 0), "<<EOT\na\nb\nEOT");
        assert_eq!(render(&Value::List(vec![]), 0), "[]");
        let nested = Value::object([("a", Value::string("x\ny"))]);
        assert_eq!(render(&nested, 0), "{\n  \"a\" = <<-EOT\n  x\n  y\n  EOT\n}");
    }
}
