//! Conversions between numbers and Rust's integers and floats, and integer text in other
//! bases (Terraform's `parseint`).

use super::text::MAX_DIGITS;
use super::{Kind, Number, NumberError, Repr, F64_PRECISION, INT_PRECISION};
use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};

impl From<i64> for Number {
    /// An integer at 64 bits, as cty's `NumberIntVal` makes it.
    fn from(v: i64) -> Number {
        if v == i64::MIN {
            return Number::finish(true, BigUint::from(1u8), 63, INT_PRECISION);
        }
        Number::int(v, INT_PRECISION)
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Number {
        match i64::try_from(v) {
            Ok(v) => Number::from(v),
            Err(_) => Number::finish(false, BigUint::from(v), 0, INT_PRECISION),
        }
    }
}

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number::from(i64::from(v))
            }
        }
    )*};
}
from_small_int!(i32, u32, i16, u16, i8, u8);

impl From<usize> for Number {
    fn from(v: usize) -> Number {
        Number::from(v as u64)
    }
}

impl Number {
    /// The exact value of a float at 53 bits, as cty's `NumberFloatVal`; `None` for NaN,
    /// which Terraform's numbers cannot hold.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        let neg = f.is_sign_negative();
        if f.is_infinite() {
            return Some(Number::big(neg, F64_PRECISION, Kind::Inf));
        }
        if f == 0.0 {
            return Some(Number::signed_zero(neg, F64_PRECISION));
        }
        let bits = f.to_bits();
        let field = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (mant, exp) = if field == 0 { (fraction, -1074) } else { (fraction | 1 << 52, field - 1075) };
        Some(Number::finish(neg, BigUint::from(mant), exp, F64_PRECISION))
    }

    /// The nearest `f64` (ties to even); out-of-range magnitudes give ±inf or ±0.
    pub fn to_f64(&self) -> f64 {
        if let Repr::Int { v, .. } = &self.0 {
            return *v as f64;
        }
        let sign = if self.is_negative() { -1.0 } else { 1.0 };
        if self.is_infinite() {
            return sign * f64::INFINITY;
        }
        let Some(p) = self.parts() else { return sign * 0.0 };
        let top = p.exp + p.mant.bits() as i64;
        if top > 1025 {
            return sign * f64::INFINITY;
        }
        // Below 2^-1022 a float has fewer than 53 bits to spare.
        let bits = if top > -1022 { 53 } else { top + 1074 };
        if bits < 1 {
            return sign * 0.0;
        }
        let (mant, mut exp) = super::round_to(p.mant, p.exp, bits as u32);
        let mut r = mant.to_f64().unwrap_or(f64::INFINITY);
        while exp > 1000 {
            r *= 2f64.powi(1000);
            exp -= 1000;
        }
        while exp < -1000 {
            r *= 2f64.powi(-1000);
            exp += 1000;
        }
        sign * r * 2f64.powi(exp as i32)
    }

    /// Parses an integer written in `base` (2 to 62) as Go's `big.Int.SetString` does: an
    /// optional sign and at least one digit; up to base 36 letters are case-insensitive,
    /// above it `a`–`z` come before `A`–`Z`. The result carries as many bits as the
    /// integer needs, and at least 64. `None` when the text is not such an integer.
    pub fn parse_int(text: &str, base: u32) -> Result<Option<Number>, NumberError> {
        if !(2..=62).contains(&base) {
            return Ok(None);
        }
        let (neg, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() {
            return Ok(None);
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooLong);
        }
        let mut value = BigUint::zero();
        let mut chunk: u64 = 0;
        let mut scale: u64 = 1;
        for c in digits.chars() {
            let Some(d) = digit_value(c, base) else { return Ok(None) };
            chunk = chunk * u64::from(base) + u64::from(d);
            scale *= u64::from(base);
            // Gather digits into one word at a time so the big multiply runs per word.
            if scale > u64::MAX / 64 {
                value = value * scale + chunk;
                (chunk, scale) = (0, 1);
            }
        }
        value = value * scale + chunk;
        let bits = value.bits();
        if bits as i64 > super::EXP_LIMIT {
            return Err(NumberError::OutOfRange);
        }
        let prec = (bits as u32).max(INT_PRECISION);
        Ok(Some(Number::finish(neg, value, 0, prec).positive_zero()))
    }

    fn positive_zero(self) -> Number {
        if self.is_zero() {
            Number::int(0, self.precision())
        } else {
            self
        }
    }
}

/// Value of one digit in bases up to 62, following Go's big.Int.
fn digit_value(c: char, base: u32) -> Option<u32> {
    let d = match c {
        '0'..='9' => c as u32 - '0' as u32,
        'a'..='z' => c as u32 - 'a' as u32 + 10,
        'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
        'A'..='Z' => c as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}
