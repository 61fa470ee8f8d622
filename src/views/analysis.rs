//! The plan's "Cluster analysis" section: fit, cost and disruption in tables that
//! fit a 100-column terminal.

use super::Style;
use gantry_core::analysis::plan_analysis::Analysis;
use std::fmt::Write as _;

/// Rows of cells as columns padded to their widest cell; numeric columns (those
/// named in `right`) are right-aligned.
fn table(rows: &[Vec<String>], right: &[usize], indent: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = " ".repeat(indent);
        for (i, cell) in row.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                line.push_str("  ");
            }
            if right.contains(&i) {
                let _ = write!(line, "{cell:>w$}");
            } else {
                let _ = write!(line, "{cell:<w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn usd(n: f64) -> String {
    format!("{n:.2}")
}

fn signed_usd(n: f64, decimals: usize) -> String {
    // Rounding first keeps a tiny negative from printing as "-0.00".
    let scale = 10f64.powi(decimals as i32);
    let r = (n * scale).round() / scale;
    if r > 0.0 {
        format!("+{r:.decimals$}")
    } else if r < 0.0 {
        format!("{r:.decimals$}")
    } else {
        format!("{:.decimals$}", 0.0)
    }
}

/// The plan's "Cluster analysis" section: fit, cost and disruption, compactly.
pub fn render_analysis(a: &Analysis, style: &Style) -> String {
    let mut out = String::new();
    out.push_str(&style.bold("Cluster analysis:"));
    out.push_str("\n\n");
    if !a.fit.is_empty() {
        let pods: u64 = a.fit.iter().map(|f| u64::from(f.pods)).sum();
        let failing = a.fit.iter().filter(|f| f.problem.is_some()).count();
        let verdict = if failing == 0 {
            "all fit with every pool at its max size".to_string()
        } else {
            format!("{failing} cannot be scheduled")
        };
        let _ = writeln!(
            out,
            "  Fit: {}, {} at most; {verdict}",
            plural(a.fit.len() as u64, "workload", "workloads"),
            plural(pods, "pod", "pods")
        );
        let rows: Vec<Vec<String>> = a
            .fit
            .iter()
            .map(|f| {
                let placed = if f.problem.is_some() {
                    format!("{}/{} placed", f.placed, f.pods)
                } else {
                    plural(u64::from(f.pods), "pod", "pods")
                };
                let on = if f.pools.is_empty() { "-".to_string() } else { format!("on {}", f.pools.join(", ")) };
                let note = f.replicas_from.as_ref().map(|r| format!("({r})")).unwrap_or_default();
                vec![f.workload.clone(), placed, on, note]
            })
            .collect();
        out.push_str(&table(&rows, &[1], 4));
    }
    if !a.cost.pools.is_empty() {
        let c = &a.cost;
        let _ = writeln!(
            out,
            "  Cost (USD, {} On-Demand prices; a month is 730 hours; floor and ceiling are per month",
            c.region
        );
        out.push_str("  with every pool at its min and at its max size):\n");
        let mut rows =
            vec![["pool", "instance", "capacity", "min/des/max", "per hour", "per month", "floor", "ceiling"]
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()];
        for p in &c.pools {
            let instance = match &p.gpus {
                Some(g) => format!("{} {}", p.instance_type, short_gpus(g)),
                None => p.instance_type.clone(),
            };
            let capacity = if p.estimate { "spot (est.)" } else { "on-demand" };
            rows.push(vec![
                p.pool.clone(),
                instance,
                capacity.to_string(),
                format!("{}/{}/{}", p.min_size, p.desired_size, p.max_size),
                format!("{:.4}", p.hourly_usd.desired),
                usd(p.monthly_usd.desired),
                usd(p.monthly_usd.floor),
                usd(p.monthly_usd.ceiling),
            ]);
        }
        rows.push(vec![
            "total".to_string(),
            String::new(),
            String::new(),
            String::new(),
            format!("{:.4}", c.hourly_usd.desired),
            usd(c.monthly_usd.desired),
            usd(c.monthly_usd.floor),
            usd(c.monthly_usd.ceiling),
        ]);
        out.push_str(&table(&rows, &[4, 5, 6, 7], 4));
        let _ = writeln!(
            out,
            "    change from the current state: {}/hour ({}/month); current {:.4}/hour ({}/month)",
            signed_usd(c.delta_hourly_usd, 4),
            signed_usd(c.delta_monthly_usd, 2),
            c.current_hourly_usd,
            usd(c.current_monthly_usd)
        );
        let spot_pools: Vec<_> = c.pools.iter().filter(|p| p.estimate).collect();
        for p in spot_pools {
            let _ = writeln!(
                out,
                "    {} on spot: {}/month (estimate) vs {}/month on-demand",
                p.pool,
                usd(p.spot_estimate_monthly_usd),
                usd(p.on_demand_monthly_usd)
            );
        }
        if let Some(source) = &c.spot_estimate {
            out.push_str(&wrapped(&format!("({source})"), 4, 100));
        }
    }
    if !a.disruption.is_empty() {
        out.push_str("  Disruption:\n");
        for d in &a.disruption {
            let evicts = if d.evicts.is_empty() { "nothing running there".to_string() } else { d.evicts.join(", ") };
            let verb = if d.pool.is_some() { "evicts" } else { "affects" };
            let _ = writeln!(out, "    {} ({}): {}; {verb} {evicts}", d.address, d.action, d.effect);
        }
    }
    if !a.notes.is_empty() {
        out.push_str("  Notes:\n");
        for n in &a.notes {
            let _ = writeln!(out, "    {n}");
        }
    }
    out
}

/// `8 × nvidia-a100` as `8×A100`: the GPU column is the widest of the cost table.
fn short_gpus(gpus: &str) -> String {
    gpus.replace(" × ", "×").replace("nvidia-", "").to_uppercase()
}

/// Text broken at spaces into lines of at most `width` columns, each indented.
fn wrapped(text: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{:indent$}{line}", "");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
