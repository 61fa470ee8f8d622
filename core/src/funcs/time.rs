//! Date and time functions: `formatdate`, `timeadd`, `timecmp`, `timestamp` and
//! `plantimestamp`. Timestamps are RFC 3339 strings, as in Terraform; a timestamp keeps
//! the offset it was written with, and only comparison converts to UTC.

use super::{arg_str, int_value, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[
    spec("formatdate", 2, Some(2), formatdate),
    spec("timeadd", 2, Some(2), timeadd),
    spec("timecmp", 2, Some(2), timecmp),
    spec("timestamp", 0, Some(0), timestamp),
    spec("plantimestamp", 0, Some(0), timestamp),
];

/// A parsed RFC 3339 timestamp, with its own UTC offset.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Timestamp {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Offset from UTC in seconds; `None` for `Z`.
    offset: Option<i32>,
}

fn digits(s: &str, at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
}

fn parse_rfc3339(s: &str) -> Result<Timestamp, String> {
    let bad = |what: String| format!("not a valid RFC3339 timestamp: {what}");
    let year = digits(s, 0, 4).ok_or_else(|| bad(format!("cannot use {s:?} as year")))?;
    let field = |at: usize, sep: u8, name: &str| -> Result<(), String> {
        match s.as_bytes().get(at) {
            Some(b) if *b == sep => Ok(()),
            _ => Err(bad(format!("cannot use {:?} as {name}", s.get(at..).unwrap_or("")))),
        }
    };
    field(4, b'-', "separator")?;
    let month = digits(s, 5, 2).ok_or_else(|| bad(format!("cannot use {:?} as month", &s[5.min(s.len())..])))?;
    field(7, b'-', "separator")?;
    let day = digits(s, 8, 2).ok_or_else(|| bad(format!("cannot use {:?} as day", &s[8.min(s.len())..])))?;
    match s.as_bytes().get(10) {
        Some(b'T' | b't') => {}
        _ => return Err(bad("missing required time introducer 'T'".into())),
    }
    let hour = digits(s, 11, 2).ok_or_else(|| bad("cannot parse hour".into()))?;
    field(13, b':', "separator")?;
    let minute = digits(s, 14, 2).ok_or_else(|| bad("cannot parse minute".into()))?;
    field(16, b':', "separator")?;
    let second = digits(s, 17, 2).ok_or_else(|| bad("cannot parse second".into()))?;
    let mut at = 19;
    let mut nanos = 0;
    if s.as_bytes().get(at) == Some(&b'.') {
        let frac: String = s[at + 1..].chars().take_while(char::is_ascii_digit).collect();
        if frac.is_empty() || frac.len() > 9 {
            return Err(bad("invalid fractional seconds".into()));
        }
        nanos = format!("{frac:0<9}").parse().unwrap_or(0);
        at += 1 + frac.len();
    }
    let offset = match &s[at.min(s.len())..] {
        "Z" | "z" => None,
        rest if rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') && rest.as_bytes()[3] == b':' => {
            let h = digits(rest, 1, 2).ok_or_else(|| bad("invalid offset".into()))? as i32;
            let m = digits(rest, 4, 2).ok_or_else(|| bad("invalid offset".into()))? as i32;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            Some(sign * (h * 3600 + m * 60))
        }
        "" => return Err(bad("missing time zone offset".into())),
        rest => return Err(bad(format!("extra text {rest:?} after the timestamp"))),
    };
    let ts = Timestamp { year: year as i64, month, day, hour, minute, second, nanos, offset };
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(ts.year, month)
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return Err(bad(format!("{s:?} is out of range")));
    }
    Ok(ts)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(super) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

impl Timestamp {
    /// Nanoseconds since the epoch, in UTC.
    fn epoch_nanos(&self) -> i128 {
        let days = days_from_civil(self.year, self.month, self.day) as i128;
        let secs = days * 86_400 + (self.hour * 3600 + self.minute * 60 + self.second) as i128
            - self.offset.unwrap_or(0) as i128;
        secs * 1_000_000_000 + self.nanos as i128
    }

    /// The same instant plus `nanos`, written with the same offset.
    fn plus(&self, nanos: i128) -> Timestamp {
        let local = self.epoch_nanos() + self.offset.unwrap_or(0) as i128 * 1_000_000_000 + nanos;
        let secs = local.div_euclid(1_000_000_000);
        let days = secs.div_euclid(86_400) as i64;
        let in_day = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Timestamp {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day / 60 % 60,
            second: in_day % 60,
            nanos: local.rem_euclid(1_000_000_000) as u32,
            offset: self.offset,
        }
    }

    fn weekday(&self) -> usize {
        // 1970-01-01 was a Thursday; Sunday is 0.
        (days_from_civil(self.year, self.month, self.day) + 4).rem_euclid(7) as usize
    }

    /// RFC 3339 without fractional seconds, as Go's `time.RFC3339` layout writes it.
    fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            offset_text(self.offset, true, true)
        )
    }
}

/// `Z` for UTC where `z_for_utc`, else `+hh:mm` or `+hhmm`.
fn offset_text(offset: Option<i32>, colon: bool, z_for_utc: bool) -> String {
    match offset {
        None if z_for_utc => "Z".into(),
        _ => {
            let o = offset.unwrap_or(0);
            let sign = if o < 0 { '-' } else { '+' };
            let (h, m) = (o.abs() / 3600, o.abs() / 60 % 60);
            if colon {
                format!("{sign}{h:02}:{m:02}")
            } else {
                format!("{sign}{h:02}{m:02}")
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

fn verb(ts: &Timestamp, letters: &str) -> Option<String> {
    let hour12 = match ts.hour % 12 {
        0 => 12,
        h => h,
    };
    let month = MONTHS[ts.month as usize - 1];
    let day = DAYS[ts.weekday()];
    Some(match letters {
        "YYYY" => format!("{:04}", ts.year),
        "YY" => format!("{:02}", ts.year.rem_euclid(100)),
        "MMMM" => month.to_string(),
        "MMM" => month[..3].to_string(),
        "MM" => format!("{:02}", ts.month),
        "M" => ts.month.to_string(),
        "DD" => format!("{:02}", ts.day),
        "D" => ts.day.to_string(),
        "EEEE" => day.to_string(),
        "EEE" => day[..3].to_string(),
        "hh" => format!("{:02}", ts.hour),
        "h" => ts.hour.to_string(),
        "HH" => format!("{hour12:02}"),
        "H" => hour12.to_string(),
        "AA" => if ts.hour < 12 { "AM" } else { "PM" }.to_string(),
        "aa" => if ts.hour < 12 { "am" } else { "pm" }.to_string(),
        "mm" => format!("{:02}", ts.minute),
        "m" => ts.minute.to_string(),
        "ss" => format!("{:02}", ts.second),
        "s" => ts.second.to_string(),
        "ZZZZZ" => offset_text(ts.offset, true, false),
        "ZZZZ" => offset_text(ts.offset, false, false),
        "ZZZ" if ts.offset.is_none() => "UTC".to_string(),
        "ZZZ" => offset_text(ts.offset, false, false),
        "Z" => offset_text(ts.offset, true, true),
        _ => return None,
    })
}

fn format_timestamp(format: &str, ts: &Timestamp) -> Result<String, String> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // `''` is a literal quote; otherwise text up to the closing quote is literal.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let Some(end) = chars[i + 1..].iter().position(|&c| c == '\'') else {
                return Err("unterminated literal '".into());
            };
            out.extend(&chars[i + 1..i + 1 + end]);
            i += end + 2;
        } else if c.is_ascii_alphabetic() {
            let run = chars[i..].iter().take_while(|&&d| d == c).count();
            let letters: String = chars[i..i + run].iter().collect();
            out.push_str(&verb(ts, &letters).ok_or_else(|| format!("invalid date format verb {letters:?}"))?);
            i += run;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn formatdate(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let format = arg_str(args, 0, "format")?;
    let time = arg_str(args, 1, "time")?;
    let ts = parse_rfc3339(&time).map_err(|e| FuncError::at(1, e))?;
    format_timestamp(&format, &ts).map(Value::String).map_err(|e| FuncError::at(0, e))
}

/// A Go duration string (`1h30m`, `-1.5h`, `300ms`) in nanoseconds.
fn parse_duration(text: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {text:?}")),
            other => return Err(format!("time: unknown unit {other:?} in duration {text:?}")),
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    if total > i64::MAX as f64 {
        return Err(invalid());
    }
    let nanos = total.round() as i128;
    Ok(if negative { -nanos } else { nanos })
}

fn timeadd(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let time = arg_str(args, 0, "timestamp")?;
    let duration = arg_str(args, 1, "duration")?;
    let ts = parse_rfc3339(&time).map_err(FuncError::new)?;
    let nanos = parse_duration(&duration).map_err(FuncError::new)?;
    Ok(Value::String(ts.plus(nanos).rfc3339()))
}

fn timecmp(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let a = parse_rfc3339(&arg_str(args, 0, "timestamp_a")?).map_err(|e| FuncError::at(0, e))?;
    let b = parse_rfc3339(&arg_str(args, 1, "timestamp_b")?).map_err(|e| FuncError::at(1, e))?;
    Ok(int_value(a.epoch_nanos().cmp(&b.epoch_nanos()) as i64))
}

/// The current time in UTC. Terraform's `timestamp` is unknown until apply and
/// `plantimestamp` fixed at plan time; Gantry evaluates both when the expression is evaluated.
fn timestamp(_: &[Value], _: &FuncContext) -> FResult<Value> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let epoch = Timestamp { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, offset: None };
    Ok(Value::String(epoch.plus(since.as_secs() as i128 * 1_000_000_000).rfc3339()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_across_leap_years_and_eras() {
        for days in [-800_000, -1, 0, 1, 11_016, 17_533, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(17_533), (2018, 1, 2));
    }

    #[test]
    fn durations_read_as_go_reads_them() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1"), Err("time: missing unit in duration \"1\"".into()));
        assert_eq!(parse_duration(""), Err("time: invalid duration \"\"".into()));
    }

    #[test]
    fn adding_crosses_month_and_year_ends_and_keeps_the_offset() {
        let ts = parse_rfc3339("2017-12-31T23:59:59+05:00").unwrap();
        assert_eq!(ts.plus(1_000_000_000).rfc3339(), "2018-01-01T00:00:00+05:00");
        let ts = parse_rfc3339("2020-02-28T12:00:00Z").unwrap();
        assert_eq!(ts.plus(86_400_000_000_000).rfc3339(), "2020-02-29T12:00:00Z");
    }

    #[test]
    fn out_of_range_fields_are_refused() {
        assert!(parse_rfc3339("2019-02-29T00:00:00Z").is_err());
        assert!(parse_rfc3339("2020-13-01T00:00:00Z").is_err());
        assert!(parse_rfc3339("2020-01-01T24:00:00Z").is_err());
        assert!(parse_rfc3339("2020-01-01T00:00:00").is_err());
    }
}
