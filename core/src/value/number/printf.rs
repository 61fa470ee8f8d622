//! The `%d`, `%f`, `%e` and `%g` renderings that Terraform's `format` gets from Go's
//! `big.Float` formatter: from the exact decimal value, rounded half to even, never via
//! a float64.

use super::text::Decimal;
use super::Number;

impl Number {
    /// `%.<frac>f`: the exact value rounded to `frac` digits after the point.
    pub fn format_fixed(&self, frac: usize) -> String {
        if self.is_infinite() {
            return self.to_string();
        }
        let mut d = self.exact_decimal();
        d.round_fraction(frac);
        let mut out = String::from(self.sign_prefix());
        d.write_fixed(&mut out, frac);
        out
    }

    /// `%e` with `frac` digits after the point, or the shortest digits when `None`.
    pub fn format_exponent(&self, frac: Option<usize>, upper: bool) -> String {
        if self.is_infinite() {
            return self.to_string();
        }
        let (d, frac) = match frac {
            Some(frac) => {
                let mut d = self.exact_decimal();
                d.round(frac + 1);
                (d, frac)
            }
            None => {
                let d = self.shortest_decimal();
                let frac = d.digits.len().saturating_sub(1);
                (d, frac)
            }
        };
        let mut out = String::from(self.sign_prefix());
        write_exponent(&mut out, &d, frac, upper);
        out
    }

    /// `%g`: `significant` digits (the shortest when `None`), in exponent form when the
    /// exponent is below -4 or reaches the precision (6 for the shortest form).
    pub fn format_general(&self, significant: Option<usize>, upper: bool) -> String {
        if self.is_infinite() {
            return self.to_string();
        }
        let (d, prec, eprec) = match significant {
            Some(p) => {
                let p = p.max(1);
                let mut d = self.exact_decimal();
                d.round(p);
                let eprec = if p > d.digits.len() && d.digits.len() as i64 >= d.exp { d.digits.len() } else { p };
                (d, p, eprec)
            }
            None => {
                let d = self.shortest_decimal();
                let p = d.digits.len();
                (d, p, 6)
            }
        };
        let exp = d.exp - 1;
        let mut out = String::from(self.sign_prefix());
        if exp < -4 || exp >= eprec as i64 {
            let prec = prec.min(d.digits.len());
            write_exponent(&mut out, &d, prec.saturating_sub(1), upper);
        } else {
            let prec = if prec as i64 > d.exp { d.digits.len() } else { prec };
            d.write_fixed(&mut out, (prec as i64 - d.exp).max(0) as usize);
        }
        out
    }

    /// The digits of a whole number in `radix` (2 to 36), with a leading `-` when negative
    /// (but not for -0, which Go prints as `0`); `None` for fractions and infinities.
    pub fn integer_text(&self, radix: u32) -> Option<String> {
        if !self.is_integer() {
            return None;
        }
        if let Some(v) = self.to_i64() {
            let m = v.unsigned_abs();
            let digits = match radix {
                10 => m.to_string(),
                _ => num_bigint::BigUint::from(m).to_str_radix(radix),
            };
            return Some(if v < 0 { format!("-{digits}") } else { digits });
        }
        let p = self.parts()?;
        let digits = (p.mant << p.exp as u64).to_str_radix(radix);
        Some(if p.neg { format!("-{digits}") } else { digits })
    }
}

/// Go's `fmtE`: one digit, `frac` more after the point, then an exponent of at least
/// two digits with its sign.
fn write_exponent(out: &mut String, d: &Decimal, frac: usize, upper: bool) {
    out.push(d.digits.first().map_or('0', |&c| char::from(c)));
    if frac > 0 {
        out.push('.');
        for i in 1..=frac {
            out.push(d.digits.get(i).map_or('0', |&c| char::from(c)));
        }
    }
    out.push(if upper { 'E' } else { 'e' });
    let exp = if d.digits.is_empty() { 0 } else { d.exp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.unsigned_abs()));
}
