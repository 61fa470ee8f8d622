//! Numbers from and to decimal text, as Go's `big.ParseFloat(s, 10, 512, ToNearestEven)`
//! reads them and `Float.Text('f', -1)` writes them.

use super::arith::divide_mantissas;
use super::{Kind, Number, Repr, EXP_LIMIT, LITERAL_PRECISION};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use std::fmt;

/// Why a number could not be made or computed. The arithmetic messages are Terraform's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("a number is required")]
    Syntax,
    #[error("the number is out of range: Gantry's numbers stay between 1e-39456 and 1e39456 in magnitude")]
    OutOfRange,
    #[error("the number has more than {MAX_DIGITS} digits")]
    TooLong,
    #[error("can't compute sum of opposing infinities")]
    OpposingInfinities,
    #[error("can't subtract infinity from itself")]
    InfinityMinusInfinity,
    #[error("can't multiply zero by infinity")]
    ZeroTimesInfinity,
    #[error("can't divide zero by zero or infinity by infinity")]
    ZeroOverZero,
    #[error("can't use modulo with zero and infinity")]
    ModuloZeroInfinity,
}

/// Longest digit string accepted; converting more to binary would take quadratic time.
pub const MAX_DIGITS: usize = 100_000;

impl std::str::FromStr for Number {
    type Err = NumberError;

    /// Parses decimal text: an optional sign, digits with an optional point, and an
    /// optional exponent `e` (power of ten) or `p` (power of two); or `Inf`/`inf`.
    /// The result is correctly rounded to 512 bits.
    fn from_str(s: &str) -> Result<Number, NumberError> {
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if body == "Inf" || body == "inf" {
            return Ok(Number::infinity(neg));
        }
        let mantissa_end = body.find(['e', 'E', 'p', 'P']).unwrap_or(body.len());
        let (mantissa, exponent) = body.split_at(mantissa_end);
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !digits_ok(int_part) || !digits_ok(frac_part) {
            return Err(NumberError::Syntax);
        }
        let (mut exp10, exp2) = parse_exponent(exponent)?;
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Ok(Number::signed_zero(neg, LITERAL_PRECISION));
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooLong);
        }
        exp10 -= frac_part.len() as i64;
        // Refuse magnitudes far outside the range before computing a power of ten for them.
        let magnitude = (exp10 + digits.len() as i64) as f64 * std::f64::consts::LOG2_10 + exp2 as f64;
        if magnitude.abs() > (EXP_LIMIT + 64) as f64 {
            return Err(NumberError::OutOfRange);
        }
        let d: BigUint = digits.parse().map_err(|_| NumberError::Syntax)?;
        Ok(scale_decimal(neg, d, exp10, exp2))
    }
}

/// The exponent part: `(power of ten, power of two)`.
fn parse_exponent(text: &str) -> Result<(i64, i64), NumberError> {
    let Some(marker) = text.chars().next() else { return Ok((0, 0)) };
    let rest = &text[1..];
    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Syntax);
    }
    // Go refuses exponents that overflow an int64; beyond 18 digits ours is out of range anyway.
    let value: i64 = digits.trim_start_matches('0').parse().unwrap_or(if digits.len() > 18 { i64::MAX } else { 0 });
    if value > 1 << 40 {
        return Err(NumberError::OutOfRange);
    }
    let value = if rest.starts_with('-') { -value } else { value };
    Ok(if marker == 'p' || marker == 'P' { (0, value) } else { (value, 0) })
}

/// `(-1)^neg * d * 10^exp10 * 2^exp2`, correctly rounded to 512 bits.
fn scale_decimal(neg: bool, d: BigUint, exp10: i64, exp2: i64) -> Number {
    if exp10 >= 0 {
        let m = d * BigUint::from(10u8).pow(exp10 as u32);
        return Number::finish(neg, m, exp2, LITERAL_PRECISION);
    }
    // d / 10^k = d / 5^k * 2^-k
    let k = -exp10;
    let five_k = BigUint::from(5u8).pow(k as u32);
    let (q, r, exp) = divide_mantissas(&d, exp2 - k, &five_k, 0, LITERAL_PRECISION);
    let sticky = u8::from(!r.is_zero());
    Number::finish(neg, (q << 1u8) + sticky, exp - 1, LITERAL_PRECISION)
}

/// A decimal `0.digits × 10^exp` with no leading or trailing zero digits (Go's `decimal`).
#[derive(Debug, Clone)]
pub(super) struct Decimal {
    pub digits: Vec<u8>,
    pub exp: i64,
}

impl Decimal {
    /// The exact decimal of `n * 2^e`.
    pub fn of(n: &BigUint, e: i64) -> Decimal {
        let (text, point_shift) = if e >= 0 {
            ((n << e as u64).to_string(), 0)
        } else {
            ((n * BigUint::from(5u8).pow((-e) as u32)).to_string(), e)
        };
        let mut digits = text.into_bytes();
        if digits == b"0" {
            return Decimal { digits: Vec::new(), exp: 0 };
        }
        let exp = digits.len() as i64 + point_shift;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Decimal { digits, exp }
    }

    /// The digit at position `i`, zero beyond the end.
    fn at(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(b'0')
    }

    /// Keeps `n` digits, rounding half to even.
    pub fn round(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let up = match self.digits[n] {
            b'5' if n + 1 == self.digits.len() => n > 0 && (self.digits[n - 1] - b'0') % 2 == 1,
            d => d >= b'5',
        };
        if up {
            self.round_up(n);
        } else {
            self.round_down(n);
        }
    }

    fn round_up(&mut self, n: usize) {
        let mut n = n.min(self.digits.len());
        while n > 0 && self.digits[n - 1] == b'9' {
            n -= 1;
        }
        if n == 0 {
            self.digits = vec![b'1'];
            self.exp += 1;
            return;
        }
        self.digits[n - 1] += 1;
        self.digits.truncate(n);
    }

    fn round_down(&mut self, n: usize) {
        self.digits.truncate(n);
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
    }

    /// Rounds to `n` digits after the decimal point.
    pub fn round_fraction(&mut self, n: usize) {
        let keep = self.exp + n as i64;
        if keep < 0 {
            self.digits.clear();
            self.exp = 0;
        } else {
            self.round(keep as usize);
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }

    /// `ddd.fff` with exactly `frac` digits after the point.
    pub fn write_fixed(&self, out: &mut String, frac: usize) {
        if self.exp > 0 {
            let whole = self.exp as usize;
            for i in 0..whole {
                out.push(char::from(self.at(i)));
            }
        } else {
            out.push('0');
        }
        if frac > 0 {
            out.push('.');
            for i in 0..frac as i64 {
                let pos = self.exp + i;
                out.push(if pos < 0 { '0' } else { char::from(self.at(pos as usize)) });
            }
        }
    }
}

/// Rounds the exact decimal `d` of a value to the fewest digits that still identify the
/// value at `prec` bits: any decimal strictly inside half an ulp either side reads back
/// as the same value (and the bounds too when the mantissa is even).
fn round_shortest(d: &mut Decimal, mant: &BigUint, exp: i64, prec: u32) {
    if d.digits.is_empty() {
        return;
    }
    // Scale the mantissa to prec + 1 bits so that its last bit is half an ulp.
    let shift = i64::from(prec) + 1 - mant.bits() as i64;
    let (scaled, scaled_exp) =
        if shift >= 0 { (mant << shift as u64, exp - shift) } else { (mant >> (-shift) as u64, exp - shift) };
    let lower = Decimal::of(&(&scaled - BigUint::one()), scaled_exp);
    let upper = Decimal::of(&(&scaled + BigUint::one()), scaled_exp);
    let inclusive = !scaled.bit(1);
    for i in 0..d.digits.len() {
        let (l, m, u) = (lower.at(i), d.digits[i], upper.at(i));
        let ok_down = l != m || inclusive && i + 1 == lower.digits.len();
        let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.digits.len());
        match (ok_down, ok_up) {
            (true, true) => return d.round(i + 1),
            (true, false) => return d.round_down(i + 1),
            (false, true) => return d.round_up(i + 1),
            (false, false) => {}
        }
    }
}

impl Number {
    /// The exact decimal expansion of a finite value's magnitude (empty for zero).
    pub(super) fn exact_decimal(&self) -> Decimal {
        match self.parts() {
            Some(p) => Decimal::of(&p.mant, p.exp),
            None => Decimal { digits: Vec::new(), exp: 0 },
        }
    }

    /// The shortest decimal that reads back as this value at its precision.
    pub(super) fn shortest_decimal(&self) -> Decimal {
        let Some(p) = self.parts() else { return Decimal { digits: Vec::new(), exp: 0 } };
        let mut d = Decimal::of(&p.mant, p.exp);
        round_shortest(&mut d, &p.mant, p.exp, self.precision());
        d
    }

    /// `-`, `+Inf`/`-Inf` or nothing: what Go writes before the digits.
    pub(super) fn sign_prefix(&self) -> &'static str {
        match (self.is_infinite(), self.is_negative()) {
            (true, false) => "+",
            (_, true) => "-",
            _ => "",
        }
    }
}

impl fmt::Display for Number {
    /// Go's `Text('f', -1)`: the shortest decimal without an exponent, `-0`, `+Inf`, `-Inf`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Repr::Int { v, prec } = &self.0 {
            // With no more bits than the precision, an ulp is at most 1: every digit counts.
            if 64 - v.unsigned_abs().leading_zeros() <= *prec {
                return write!(f, "{v}");
            }
        }
        if let Repr::Big(b) = &self.0 {
            match b.kind {
                Kind::Inf => return f.write_str(if b.neg { "-Inf" } else { "+Inf" }),
                Kind::Zero => return f.write_str(if b.neg { "-0" } else { "0" }),
                Kind::Finite { .. } => {}
            }
        }
        let d = self.shortest_decimal();
        let mut out = String::from(self.sign_prefix());
        let frac = (d.digits.len() as i64 - d.exp).max(0) as usize;
        d.write_fixed(&mut out, frac);
        f.write_str(&out)
    }
}
