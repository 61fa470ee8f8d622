//! Terraform's number type: a binary floating-point number with a big mantissa.
//!
//! Terraform (through cty) keeps every number as a Go `big.Float`: a sign, a mantissa of
//! up to `precision` bits rounded to nearest even, a binary exponent, and the special
//! values ±Inf and -0. Literals and decoded JSON carry 512 bits; integers made by
//! functions such as `length` carry 64 and values computed through `float64` (`pow`,
//! `log`) carry 53. The precision is part of the value because it decides how the value
//! prints: a number prints as the shortest decimal that rounds back to it at its own
//! precision, which is why `pow(2,0.5)` prints 17 digits and `1/3` prints 156.
//!
//! Most numbers in a configuration are small integers, so those are kept inline as an
//! `i64` and only the rest use a heap-allocated big mantissa.

mod arith;
mod convert;
mod printf;
#[cfg(test)]
mod tests;
mod text;

use num_bigint::BigUint;
use num_traits::Zero;
use std::cmp::Ordering;

pub use text::NumberError;

/// Bits of mantissa that literals, `tonumber` and decoded JSON or YAML numbers carry.
pub const LITERAL_PRECISION: u32 = 512;
/// Bits of mantissa of an integer made by a function such as `length` (Go's `SetInt64`).
pub const INT_PRECISION: u32 = 64;
/// Bits of mantissa of a value computed in `float64` (Go's `SetFloat64`).
pub const F64_PRECISION: u32 = 53;

/// Largest binary exponent (bit position above the most significant bit) a finite number
/// may have; results beyond it become ±Inf and below its negative ±0. Go allows 2^31, but
/// printing such a number in full (as Terraform does) would take hours, so Gantry keeps
/// numbers below 2^131072 (about 10^39456) and above its reciprocal.
pub(crate) const EXP_LIMIT: i64 = 1 << 17;

/// A Terraform number. Equality follows cty: integers compare exactly, other values are
/// equal when they print the same.
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    /// An exact integer other than `i64::MIN` whose significant bits fit `prec`. Zero here is +0.
    Int {
        v: i64,
        prec: u32,
    },
    Big(Box<Big>),
}

#[derive(Clone, Debug)]
struct Big {
    neg: bool,
    prec: u32,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Zero,
    Inf,
    /// `mant * 2^exp`, with `mant` odd so that every value has one form.
    Finite {
        mant: BigUint,
        exp: i64,
    },
}

/// A finite non-zero number taken apart: `(-1)^neg * mant * 2^exp`.
struct Parts {
    neg: bool,
    mant: BigUint,
    exp: i64,
}

/// Significant bits of a magnitude: from its highest to its lowest set bit.
fn sig_bits(v: u64) -> u32 {
    if v == 0 {
        0
    } else {
        64 - v.leading_zeros() - v.trailing_zeros()
    }
}

impl Number {
    fn int(v: i64, prec: u32) -> Number {
        Number(Repr::Int { v, prec })
    }

    fn big(neg: bool, prec: u32, kind: Kind) -> Number {
        Number(Repr::Big(Box::new(Big { neg, prec, kind })))
    }

    pub fn zero() -> Number {
        Number::int(0, INT_PRECISION)
    }

    /// Positive or negative infinity, as `1/0` and `-1/0` make.
    pub fn infinity(negative: bool) -> Number {
        Number::big(negative, LITERAL_PRECISION, Kind::Inf)
    }

    /// Bits of mantissa this value keeps (see the module docs).
    pub fn precision(&self) -> u32 {
        match &self.0 {
            Repr::Int { prec, .. } => *prec,
            Repr::Big(b) => b.prec,
        }
    }

    /// The same value carried at another precision, rounded to nearest even.
    pub fn with_precision(&self, prec: u32) -> Number {
        let prec = prec.max(1);
        match self.parts() {
            Some(p) => Number::finish(p.neg, p.mant, p.exp, prec),
            None => self.clone().set_prec(prec),
        }
    }

    fn set_prec(mut self, prec: u32) -> Number {
        match &mut self.0 {
            Repr::Int { prec: p, .. } => *p = prec,
            Repr::Big(b) => b.prec = prec,
        }
        self
    }

    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Int { v, .. } => *v < 0,
            Repr::Big(b) => b.neg,
        }
    }

    pub fn is_zero(&self) -> bool {
        match &self.0 {
            Repr::Int { v, .. } => *v == 0,
            Repr::Big(b) => matches!(b.kind, Kind::Zero),
        }
    }

    pub fn is_infinite(&self) -> bool {
        matches!(&self.0, Repr::Big(b) if matches!(b.kind, Kind::Inf))
    }

    /// -1, 0 or 1; both zeros give 0.
    pub fn signum(&self) -> i32 {
        if self.is_zero() {
            0
        } else if self.is_negative() {
            -1
        } else {
            1
        }
    }

    /// True for whole numbers, including both zeros; false for infinities.
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int { .. } => true,
            Repr::Big(b) => match &b.kind {
                Kind::Zero => true,
                Kind::Inf => false,
                Kind::Finite { exp, .. } => *exp >= 0,
            },
        }
    }

    /// The value as an `i64` when it is a whole number in range; `None` otherwise.
    pub fn to_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int { v, .. } => Some(*v),
            Repr::Big(b) => match &b.kind {
                Kind::Zero => Some(0),
                Kind::Inf => None,
                // Only -2^63 is an i64 that the inline form does not hold.
                Kind::Finite { mant, exp } => (b.neg && *exp == 63 && mant == &BigUint::from(1u8)).then_some(i64::MIN),
            },
        }
    }

    /// The value as a `usize` index or count, when it is a whole number in range.
    pub fn to_usize(&self) -> Option<usize> {
        self.to_i64().and_then(|v| usize::try_from(v).ok())
    }

    /// The finite non-zero value taken apart, or `None` for zeros and infinities.
    fn parts(&self) -> Option<Parts> {
        match &self.0 {
            Repr::Int { v: 0, .. } => None,
            Repr::Int { v, .. } => {
                let m = v.unsigned_abs();
                let tz = m.trailing_zeros();
                Some(Parts { neg: *v < 0, mant: BigUint::from(m >> tz), exp: i64::from(tz) })
            }
            Repr::Big(b) => match &b.kind {
                Kind::Finite { mant, exp } => Some(Parts { neg: b.neg, mant: mant.clone(), exp: *exp }),
                _ => None,
            },
        }
    }

    /// Builds the value `(-1)^neg * mant * 2^exp` rounded to `prec` bits (nearest even),
    /// in its one canonical form.
    fn finish(neg: bool, mant: BigUint, exp: i64, prec: u32) -> Number {
        if mant.is_zero() {
            return Number::signed_zero(neg, prec);
        }
        let (mant, exp) = round_to(mant, exp, prec);
        let top = exp + mant.bits() as i64;
        if top > EXP_LIMIT {
            return Number::big(neg, prec, Kind::Inf);
        }
        if top < -EXP_LIMIT {
            return Number::signed_zero(neg, prec);
        }
        if exp >= 0 && top <= 63 {
            if let Some(m) = num_traits::ToPrimitive::to_i64(&mant) {
                let v = m << exp;
                return Number::int(if neg { -v } else { v }, prec);
            }
        }
        Number::big(neg, prec, Kind::Finite { mant, exp })
    }

    fn signed_zero(neg: bool, prec: u32) -> Number {
        if neg {
            Number::big(true, prec, Kind::Zero)
        } else {
            Number::int(0, prec)
        }
    }

    /// Orders numbers by value; -0 equals +0.
    pub fn cmp_value(&self, other: &Number) -> Ordering {
        if let (Repr::Int { v: a, .. }, Repr::Int { v: b, .. }) = (&self.0, &other.0) {
            return a.cmp(b);
        }
        let rank = |n: &Number| -> i8 {
            match n.signum() {
                0 => 0,
                s if n.is_infinite() => 2 * s as i8,
                s => s as i8,
            }
        };
        let (ra, rb) = (rank(self), rank(other));
        if ra != rb || ra == 0 || ra.abs() == 2 {
            return ra.cmp(&rb);
        }
        let (a, b) = (self.parts(), other.parts());
        let (Some(a), Some(b)) = (a, b) else { return Ordering::Equal };
        let magnitude = cmp_magnitude(&a, &b);
        if a.neg {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

fn cmp_magnitude(a: &Parts, b: &Parts) -> Ordering {
    let top_a = a.exp + a.mant.bits() as i64;
    let top_b = b.exp + b.mant.bits() as i64;
    if top_a != top_b {
        return top_a.cmp(&top_b);
    }
    let e = a.exp.min(b.exp);
    let ma = &a.mant << (a.exp - e) as u64;
    let mb = &b.mant << (b.exp - e) as u64;
    ma.cmp(&mb)
}

/// Rounds `mant * 2^exp` to at most `prec` significant bits, ties to even, and strips
/// trailing zero bits so the mantissa is odd.
fn round_to(mant: BigUint, mut exp: i64, prec: u32) -> (BigUint, i64) {
    let bits = mant.bits();
    let mut mant = mant;
    if bits > u64::from(prec) {
        let drop = bits - u64::from(prec);
        let half = mant.bit(drop - 1);
        let below_half = mant.trailing_zeros().is_some_and(|tz| tz < drop - 1);
        let mut kept = &mant >> drop;
        if half && (below_half || kept.bit(0)) {
            kept += 1u8;
        }
        exp += drop as i64;
        mant = kept;
    }
    if let Some(tz) = mant.trailing_zeros() {
        if tz > 0 {
            mant >>= tz;
            exp += tz as i64;
        }
    }
    (mant, exp)
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        if let (Repr::Int { v: a, .. }, Repr::Int { v: b, .. }) = (&self.0, &other.0) {
            return a == b;
        }
        if self.signum() != other.signum() {
            return false;
        }
        match (self.is_integer(), other.is_integer()) {
            (true, true) => self.cmp_value(other) == Ordering::Equal,
            // At one precision each value has its own shortest text, so the bits decide.
            (false, false) if self.precision() == other.precision() => self.cmp_value(other) == Ordering::Equal,
            (false, false) => self.to_string() == other.to_string(),
            _ => false,
        }
    }
}

impl std::fmt::Debug for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}
