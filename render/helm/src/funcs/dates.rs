//! Sprig's date functions over Go reference-time layouts (`2006-01-02T15:04:05Z07:00`).

use std::rc::Rc;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};

use super::convert::to_i64;
use super::{str_arg, want, want_at_least, FuncMap};
use crate::value::{Object, Value};

#[derive(Debug, Clone)]
pub struct Time(pub DateTime<FixedOffset>);

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }
    fn member(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "Unix" => Value::Int(self.0.timestamp()),
            "Year" => Value::Int(chrono::Datelike::year(&self.0) as i64),
            "UTC" => Value::Object(Rc::new(Time(self.0.with_timezone(&Utc).fixed_offset()))),
            "Format" => match args.first() {
                Some(Value::Str(l)) => Value::str(go_format(&self.0, l)),
                _ => return Some(Err("Format needs a layout string".into())),
            },
            _ => return None,
        }))
    }
    fn display(&self) -> String {
        go_format(&self.0, "2006-01-02 15:04:05.999999999 -0700 MST")
    }
    fn to_data(&self) -> Value {
        Value::str(go_format(&self.0, "2006-01-02T15:04:05.999999999Z07:00"))
    }
}

pub fn register(m: &mut FuncMap) {
    m.insert("now", |_, _| Ok(time_value(Utc::now().fixed_offset())));
    m.insert("date", |_, a| {
        want(a, 2, "date")?;
        let layout = str_arg(a, 0)?;
        Ok(Value::str(go_format(&to_time(&a[1])?, &layout)))
    });
    m.insert("dateInZone", |_, a| {
        want(a, 3, "dateInZone")?;
        let layout = str_arg(a, 0)?;
        let zone = str_arg(a, 2)?;
        let t = to_time(&a[1])?;
        Ok(Value::str(format_in_zone(&t, &layout, &zone)))
    });
    m.insert("htmlDate", |_, a| {
        want(a, 1, "htmlDate")?;
        Ok(Value::str(go_format(&to_time(&a[0])?, "2006-01-02")))
    });
    m.insert("unixEpoch", |_, a| {
        want(a, 1, "unixEpoch")?;
        Ok(Value::str(to_time(&a[0])?.timestamp().to_string()))
    });
    m.insert("dateModify", |_, a| {
        want(a, 2, "dateModify")?;
        let d = parse_duration(&str_arg(a, 0)?)?;
        let t = to_time(&a[1])?;
        Ok(time_value(t + chrono::Duration::nanoseconds(d)))
    });
    m.insert("toDate", |_, a| {
        want(a, 2, "toDate")?;
        let (layout, s) = (str_arg(a, 0)?, str_arg(a, 1)?);
        let fmt = go_layout_to_strftime(&layout);
        let t = DateTime::parse_from_str(&s, &fmt)
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(&s, &fmt).map(|n| n.and_utc().fixed_offset()))
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(&s, &fmt)
                    .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().fixed_offset())
            })
            .map_err(|e| format!("parsing time {s:?} as {layout:?}: {e}"))?;
        Ok(time_value(t))
    });
    m.insert("duration", |_, a| {
        want_at_least(a, 1, "duration")?;
        Ok(Value::str(go_duration(to_i64(&a[0]).saturating_mul(1_000_000_000))))
    });
}

fn time_value(t: DateTime<FixedOffset>) -> Value {
    Value::Object(Rc::new(Time(t)))
}

fn to_time(v: &Value) -> Result<DateTime<FixedOffset>, String> {
    match v {
        Value::Object(o) if o.type_name() == "time.Time" => {
            let s = o.to_data();
            DateTime::parse_from_rfc3339(s.as_str().unwrap_or("")).map_err(|e| e.to_string())
        }
        Value::Int(_) | Value::Float(_) => Utc
            .timestamp_opt(to_i64(v), 0)
            .single()
            .map(|t| t.fixed_offset())
            .ok_or_else(|| "timestamp out of range".into()),
        _ => Ok(Utc::now().fixed_offset()),
    }
}

/// Formats in a named zone, so `MST` prints the zone's abbreviation; unknown
/// zones fall back to UTC as Sprig's `dateInZone` does.
fn format_in_zone(t: &DateTime<FixedOffset>, layout: &str, zone: &str) -> String {
    let tz = zone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    let local = t.with_timezone(&tz);
    let mut s = local.format(&go_layout_to_strftime(layout)).to_string();
    if layout.contains("Z07:00") && local.offset().fix().local_minus_utc() == 0 {
        s = s.replace("+00:00", "Z");
    }
    s
}

/// Converts Go's reference-time layout to chrono's strftime.
pub fn go_layout_to_strftime(layout: &str) -> String {
    const MAP: &[(&str, &str)] = &[
        ("2006", "%Y"),
        ("January", "%B"),
        ("Jan", "%b"),
        ("Monday", "%A"),
        ("Mon", "%a"),
        ("MST", "%Z"),
        ("Z07:00", "%:z"),
        ("-07:00", "%:z"),
        ("-0700", "%z"),
        (".000000000", "%.9f"),
        (".999999999", "%.f"),
        (".000000", "%.6f"),
        (".000", "%.3f"),
        ("01", "%m"),
        ("02", "%d"),
        ("_2", "%e"),
        ("15", "%H"),
        ("03", "%I"),
        ("04", "%M"),
        ("05", "%S"),
        ("06", "%y"),
        ("PM", "%p"),
        ("pm", "%P"),
        ("1", "%-m"),
        ("2", "%-d"),
        ("3", "%-I"),
        ("4", "%-M"),
        ("5", "%-S"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (go, st) in MAP {
            if let Some(r) = rest.strip_prefix(go) {
                out.push_str(st);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub fn go_format(t: &DateTime<FixedOffset>, layout: &str) -> String {
    let mut s = t.format(&go_layout_to_strftime(layout)).to_string();
    // Go prints "Z" for UTC in Z07:00 layouts.
    if layout.contains("Z07:00") && t.offset().local_minus_utc() == 0 {
        s = s.replace("+00:00", "Z");
    }
    s
}

/// Go's `time.ParseDuration` (to nanoseconds).
fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("time: invalid duration {s:?}");
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !c.is_ascii_digit() && c != '.').ok_or_else(bad)?;
        let num: f64 = rest[..n].parse().map_err(|_| bad())?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += num * mult;
        rest = &rest[u..];
    }
    Ok(if neg { -(total as i64) } else { total as i64 })
}

/// Go's `time.Duration.String()`.
fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let mut u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1000)
        } else {
            ("ms", 1_000_000)
        };
        let v = u as f64 / div as f64;
        out = format!("{}{unit}", crate::template::format::format_float_g(v));
    } else {
        let h = u / 3_600_000_000_000;
        u %= 3_600_000_000_000;
        let m = u / 60_000_000_000;
        u %= 60_000_000_000;
        let secs = u as f64 / 1e9;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&format!("{}s", crate::template::format::format_float_g(secs)));
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}
