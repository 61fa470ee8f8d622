//! Kubernetes resource quantities: parsing CPU and memory requests exactly,
//! and writing amounts back in the units people read.

use std::fmt::Write as _;

/// Millicores as CPUs: `2000` → `2`, `1500` → `1.5`, `100` → `0.1`.
pub fn format_cpu(millis: u64) -> String {
    let whole = millis / 1000;
    let frac = millis % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let mut s = format!("{whole}.{frac:03}");
    while s.ends_with('0') {
        s.pop();
    }
    s
}

/// Bytes in the largest binary unit that keeps the number at least 1:
/// `536870912` → `512 MiB`, `1610612736` → `1.5 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u32); 6] = [("EiB", 60), ("PiB", 50), ("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)];
    for (unit, shift) in UNITS {
        let size = 1u64 << shift;
        if bytes >= size {
            // `size` is a power of two, so masking tests divisibility (and
            // keeps the crate building on Rust 1.85, before `is_multiple_of`).
            if bytes & (size - 1) == 0 {
                return format!("{} {unit}", bytes >> shift);
            }
            let mut s = String::new();
            let _ = write!(s, "{:.2}", bytes as f64 / size as f64);
            while s.ends_with('0') {
                s.pop();
            }
            if s.ends_with('.') {
                s.pop();
            }
            return format!("{s} {unit}");
        }
    }
    format!("{bytes} B")
}

/// Parses a Kubernetes CPU quantity into millicores: `"500m"` → 500,
/// `"2"` → 2000, `"1.5"` → 1500. Fractions of a millicore round up, as in
/// Kubernetes (`"100u"` → 1).
pub fn parse_cpu(s: &str) -> Result<u64, String> {
    let q = parse_quantity(s).map_err(|why| format!("{s:?} is not a valid CPU quantity: {why}"))?;
    q.to_units(3).map_err(|why| format!("{s:?} is not a valid CPU quantity: {why}"))
}

/// Parses a Kubernetes memory quantity into bytes: `"512Mi"`, `"4Gi"`,
/// `"1G"` (10⁹), `"1000"`, `"1e3"`. Fractions of a byte round up.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let q = parse_quantity(s).map_err(|why| format!("{s:?} is not a valid memory quantity: {why}"))?;
    q.to_units(0).map_err(|why| format!("{s:?} is not a valid memory quantity: {why}"))
}

/// A parsed quantity: `mantissa × 10^scale10 × 1024^pow1024`. Kept exact in
/// integers because quantities are compared byte for byte.
struct Quantity {
    mantissa: u128,
    scale10: i32,
    pow1024: u32,
}

/// At most this many significant digits, so the arithmetic stays within u128.
const MAX_DIGITS: usize = 20;

fn parse_quantity(s: &str) -> Result<Quantity, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("it is empty".into());
    }
    let unsigned = match s.strip_prefix('-') {
        Some(_) => return Err("it is negative".into()),
        None => s.strip_prefix('+').unwrap_or(s),
    };
    let number_len = unsigned.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_len);
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if frac_part.contains('.') {
        return Err("it has more than one decimal point".into());
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err("it does not start with a number".into());
    }
    let digits = format!("{int_part}{frac_part}");
    let significant = digits.trim_start_matches('0');
    if significant.len() > MAX_DIGITS {
        return Err(format!("it has more than {MAX_DIGITS} significant digits"));
    }
    let mantissa = if significant.is_empty() {
        0
    } else {
        significant.parse::<u128>().map_err(|_| "it is not a number".to_string())?
    };
    let frac_len = i32::try_from(frac_part.len()).map_err(|_| "it is too long".to_string())?;

    let (suffix_scale, pow1024) = match suffix {
        "" => (0, 0),
        "Ki" => (0, 1),
        "Mi" => (0, 2),
        "Gi" => (0, 3),
        "Ti" => (0, 4),
        "Pi" => (0, 5),
        "Ei" => (0, 6),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        _ => {
            // A decimal exponent: e or E followed by a signed integer ("1e3").
            let exponent = suffix
                .strip_prefix(['e', 'E'])
                .filter(|rest| {
                    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
                    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
                })
                .and_then(|rest| rest.parse::<i32>().ok())
                .filter(|e| e.abs() <= 100)
                .ok_or_else(|| {
                    format!("{suffix:?} is not a known unit (use m, k, M, G, Ki, Mi, Gi, … or an exponent like e3)")
                })?;
            (exponent, 0)
        }
    };
    Ok(Quantity { mantissa, scale10: suffix_scale - frac_len, pow1024 })
}

impl Quantity {
    /// The quantity in units of 10^-`extra_scale10`, rounded up to a whole unit.
    fn to_units(&self, extra_scale10: i32) -> Result<u64, String> {
        const TOO_LARGE: &str = "it is too large";
        let numerator =
            1024u128.checked_pow(self.pow1024).and_then(|m| m.checked_mul(self.mantissa)).ok_or(TOO_LARGE)?;
        let scale = self.scale10.saturating_add(extra_scale10);
        let value = if scale >= 0 {
            let factor = 10u128.checked_pow(scale.unsigned_abs()).ok_or(TOO_LARGE)?;
            numerator.checked_mul(factor).ok_or(TOO_LARGE)?
        } else {
            match 10u128.checked_pow(scale.unsigned_abs()) {
                Some(divisor) => numerator / divisor + u128::from(numerator % divisor != 0),
                // The divisor exceeds any numerator: a tiny positive amount rounds up to 1.
                None => u128::from(numerator != 0),
            }
        };
        u64::try_from(value).map_err(|_| TOO_LARGE.to_string())
    }
}
