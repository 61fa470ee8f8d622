//! Arithmetic as cty does it: each result is rounded to the larger precision of its
//! operands (products keep every bit up to 512), and the operations Go's `big.Float`
//! refuses (∞-∞, 0×∞, 0/0, ∞/∞) are errors with Terraform's messages.

use super::{sig_bits, Kind, Number, NumberError, Parts, Repr, LITERAL_PRECISION};
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::Zero;
use std::cmp::Ordering;

impl Number {
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        self.sum(other, false)
    }

    /// `self - other`, which cty computes as `self + (-other)`.
    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.sum(other, true)
    }

    fn sum(&self, other: &Number, subtract: bool) -> Result<Number, NumberError> {
        let prec = self.precision().max(other.precision());
        if let (Repr::Int { v: a, .. }, Repr::Int { v: b, .. }) = (&self.0, &other.0) {
            let r = if subtract { a.checked_sub(*b) } else { a.checked_add(*b) };
            if let Some(r) = r.filter(|r| *r != i64::MIN && sig_bits(r.unsigned_abs()) <= prec) {
                return Ok(Number::int(r, prec));
            }
        }
        let other = if subtract { other.neg() } else { other.clone() };
        match (self.is_infinite(), other.is_infinite()) {
            (true, true) if self.is_negative() != other.is_negative() => {
                return Err(if subtract {
                    NumberError::InfinityMinusInfinity
                } else {
                    NumberError::OpposingInfinities
                });
            }
            (true, _) => return Ok(self.clone().set_prec(prec)),
            (_, true) => return Ok(other.set_prec(prec)),
            _ => {}
        }
        let (a, b) = match (self.parts(), other.parts()) {
            (None, None) => return Ok(Number::signed_zero(self.is_negative() && other.is_negative(), prec)),
            (Some(a), None) => return Ok(Number::finish(a.neg, a.mant, a.exp, prec)),
            (None, Some(b)) => return Ok(Number::finish(b.neg, b.mant, b.exp, prec)),
            (Some(a), Some(b)) => (a, b),
        };
        let e = a.exp.min(b.exp);
        let ma = a.mant << (a.exp - e) as u64;
        let mb = b.mant << (b.exp - e) as u64;
        if a.neg == b.neg {
            return Ok(Number::finish(a.neg, ma + mb, e, prec));
        }
        Ok(match ma.cmp(&mb) {
            // x + (-x) is +0 when rounding to nearest.
            Ordering::Equal => Number::signed_zero(false, prec),
            Ordering::Greater => Number::finish(a.neg, ma - mb, e, prec),
            Ordering::Less => Number::finish(b.neg, mb - ma, e, prec),
        })
    }

    /// The product, rounded to 512 bits and then kept at the larger operand precision or
    /// the bits the product needs, whichever is more (cty's `Multiply`).
    pub fn mul(&self, other: &Number) -> Result<Number, NumberError> {
        let prec = self.precision().max(other.precision());
        if let (Repr::Int { v: a, .. }, Repr::Int { v: b, .. }) = (&self.0, &other.0) {
            if let Some(p) = a.checked_mul(*b).filter(|p| *p != 0 && *p != i64::MIN) {
                return Ok(Number::int(p, prec.max(sig_bits(p.unsigned_abs()))));
            }
        }
        let neg = self.is_negative() != other.is_negative();
        if self.is_infinite() || other.is_infinite() {
            if self.is_zero() || other.is_zero() {
                return Err(NumberError::ZeroTimesInfinity);
            }
            return Ok(Number::big(neg, prec, Kind::Inf));
        }
        let (Some(a), Some(b)) = (self.parts(), other.parts()) else {
            return Ok(Number::signed_zero(neg, prec));
        };
        let product = Number::finish(neg, a.mant * b.mant, a.exp + b.exp, LITERAL_PRECISION);
        let needed = product.parts().map_or(0, |p| p.mant.bits() as u32);
        Ok(product.set_prec(prec.max(needed)))
    }

    pub fn div(&self, other: &Number) -> Result<Number, NumberError> {
        let prec = self.precision().max(other.precision());
        if let (Repr::Int { v: a, .. }, Repr::Int { v: b, .. }) = (&self.0, &other.0) {
            if *a != 0 && *b != 0 && a % b == 0 {
                let q = a / b;
                if sig_bits(q.unsigned_abs()) <= prec {
                    return Ok(Number::int(q, prec));
                }
            }
        }
        let neg = self.is_negative() != other.is_negative();
        let (a_inf, b_inf) = (self.is_infinite(), other.is_infinite());
        if (a_inf && b_inf) || (self.is_zero() && other.is_zero()) {
            return Err(NumberError::ZeroOverZero);
        }
        if a_inf || other.is_zero() {
            return Ok(Number::big(neg, prec, Kind::Inf));
        }
        let (Some(a), Some(b)) = (self.parts(), other.parts()) else {
            return Ok(Number::signed_zero(neg, prec));
        };
        Ok(quotient(neg, &a, &b, prec))
    }

    /// The remainder of a division truncated toward zero, with the sign of the dividend,
    /// computed the way cty does: `a - b * trunc(a / b)` at `a`'s precision. A zero divisor
    /// gives `a` back.
    pub fn rem(&self, other: &Number) -> Result<Number, NumberError> {
        if let (Repr::Int { v: a, prec }, Repr::Int { v: b, .. }) = (&self.0, &other.0) {
            // Rust's `%` truncates like cty's, and `x - x` is +0 there as here.
            return Ok(if *b == 0 { self.clone() } else { Number::int(a % b, *prec) });
        }
        // cty reaches 0 × ∞ (or a missing integer part) with any infinite operand.
        if self.is_infinite() || other.is_infinite() {
            return Err(NumberError::ModuloZeroInfinity);
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        let prec = self.precision();
        let whole = self.div(other)?.trunc().with_precision(prec);
        let step = multiply_at(other, &whole, prec)?;
        self.sub(&step.set_prec(prec)).map(|r| r.with_precision(prec))
    }

    pub fn neg(&self) -> Number {
        match &self.0 {
            Repr::Int { v: 0, prec } => Number::big(true, *prec, Kind::Zero),
            Repr::Int { v, prec } => Number::int(-v, *prec),
            Repr::Big(b) => match b.kind {
                Kind::Zero if b.neg => Number::int(0, b.prec),
                _ => {
                    let mut n = b.as_ref().clone();
                    n.neg = !n.neg;
                    canonical(n)
                }
            },
        }
    }

    pub fn abs(&self) -> Number {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }

    /// The whole part, rounded toward zero (Go's `Float.Int`); infinities are unchanged.
    pub fn trunc(&self) -> Number {
        self.whole(|_, _| false)
    }

    /// The greatest whole number not above the value, as Terraform's `floor`.
    pub fn floor(&self) -> Number {
        self.whole(|neg, _| neg)
    }

    /// The least whole number not below the value, as Terraform's `ceil`.
    pub fn ceil(&self) -> Number {
        self.whole(|neg, _| !neg)
    }

    /// Drops the fraction, stepping the magnitude up by one when `away(neg, fraction)` says
    /// so; the result keeps the value's precision and a zero result is +0, as Go's
    /// `SetInt` makes it.
    fn whole(&self, away: impl Fn(bool, bool) -> bool) -> Number {
        if self.is_infinite() || matches!(self.0, Repr::Int { .. }) {
            return self.clone();
        }
        let prec = self.precision();
        let Some(p) = self.parts() else { return Number::int(0, prec) };
        if p.exp >= 0 {
            return self.clone();
        }
        let mut magnitude = &p.mant >> (-p.exp) as u64;
        if away(p.neg, true) {
            magnitude += 1u8;
        }
        let neg = p.neg && !magnitude.is_zero();
        Number::finish(neg, magnitude, 0, prec).set_zero_sign_positive()
    }

    fn set_zero_sign_positive(self) -> Number {
        if self.is_zero() {
            Number::int(0, self.precision())
        } else {
            self
        }
    }
}

/// `a * b` rounded to `prec`, as Go's `Mul` does into a value whose precision is set.
fn multiply_at(a: &Number, b: &Number, prec: u32) -> Result<Number, NumberError> {
    let neg = a.is_negative() != b.is_negative();
    match (a.parts(), b.parts()) {
        (Some(x), Some(y)) => Ok(Number::finish(neg, x.mant * y.mant, x.exp + y.exp, prec)),
        _ => Ok(Number::signed_zero(neg, prec)),
    }
}

/// `a / b` correctly rounded to `prec` bits: the integer quotient is taken with two bits
/// to spare and a sticky bit records whether anything was left over.
pub(super) fn quotient(neg: bool, a: &Parts, b: &Parts, prec: u32) -> Number {
    let (q, r, exp) = divide_mantissas(&a.mant, a.exp, &b.mant, b.exp, prec);
    let sticky = u8::from(!r.is_zero());
    Number::finish(neg, (q << 1u8) + sticky, exp - 1, prec)
}

/// The quotient of `(ma * 2^ea) / (mb * 2^eb)` as an integer with at least `prec + 1`
/// bits, its remainder, and the binary exponent of the quotient's last bit.
pub(super) fn divide_mantissas(ma: &BigUint, ea: i64, mb: &BigUint, eb: i64, prec: u32) -> (BigUint, BigUint, i64) {
    let want = i64::from(prec) + 2 + mb.bits() as i64 - ma.bits() as i64;
    let shift = want.max(0);
    let (q, r) = (ma << shift as u64).div_rem(mb);
    (q, r, ea - eb - shift)
}

/// A big value in canonical form (an integer that fits inline moves inline).
fn canonical(b: super::Big) -> Number {
    match b.kind {
        Kind::Finite { mant, exp } => Number::finish(b.neg, mant, exp, b.prec),
        kind => Number::big(b.neg, b.prec, kind),
    }
}
