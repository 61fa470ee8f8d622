//! Each expected string was printed by `terraform console` (1.11.4) for the expression named.

use super::text::MAX_DIGITS;
use super::*;

fn num(s: &str) -> Number {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn int(v: i64) -> Number {
    Number::from(v)
}

fn third() -> String {
    format!("0.{}5", "3".repeat(154))
}

#[test]
fn decimal_arithmetic_is_exact_where_terraform_is() {
    assert_eq!(num("0.1").add(&num("0.2")).unwrap().to_string(), "0.3");
    assert_eq!(num("100000000000000000000000").add(&num("1")).unwrap().to_string(), "100000000000000000000001");
    assert_eq!(num("12345678901234567890").to_string(), "12345678901234567890");
    assert_eq!(num("2").mul(&num("0.1")).unwrap().to_string(), "0.2");
    assert_eq!(num("3").mul(&num("0.1")).unwrap().to_string(), "0.3");
    assert_eq!(
        num("123456789012345678901234567890").mul(&num("3")).unwrap().to_string(),
        "370370367037037036703703703670"
    );
    assert_eq!(num("1.1").mul(&num("1.1")).unwrap().to_string(), format!("1.21{}1", "0".repeat(151)));
    assert_eq!(num("123.456e2").to_string(), "12345.6");
}

#[test]
fn division_prints_every_digit_of_512_bits() {
    assert_eq!(num("1").div(&num("3")).unwrap().to_string(), third());
    assert_eq!(num("2").div(&num("3")).unwrap().to_string(), format!("0.{}7", "6".repeat(153)));
    assert_eq!(num("5").div(&num("3")).unwrap().to_string(), format!("1.{}", "6".repeat(154)));
    // Integers made by functions carry 64 bits, so their quotient prints fewer digits.
    assert_eq!(int(1).div(&int(3)).unwrap().to_string(), "0.33333333333333333334");
    assert_eq!(num("1e300").mul(&num("1e300")).unwrap().div(&num("1e600")).unwrap().to_string(), "1");
}

#[test]
fn large_and_small_exponents_print_in_full() {
    assert_eq!(num("1e309").to_string(), format!("1{}", "0".repeat(309)));
    assert_eq!(num("1e300").mul(&num("1e300")).unwrap().to_string(), format!("1{}", "0".repeat(600)));
    assert_eq!(num("1e400").to_string(), format!("1{}", "0".repeat(400)));
    assert_eq!(num("1e-7").to_string(), "0.0000001");
    assert_eq!(num("1.5e-10").to_string(), "0.00000000015");
    assert_eq!(num("1e-400").to_string(), format!("0.{}1", "0".repeat(399)));
    assert_eq!(num("1e2000").mul(&num("1e-2000")).unwrap().to_string(), "1");
}

#[test]
fn zeros_and_infinities() {
    let zero = num("0");
    let negative_zero = zero.neg();
    assert_eq!(negative_zero.to_string(), "-0");
    assert_eq!(num("-0").to_string(), "-0");
    assert_eq!(negative_zero, zero);
    assert_eq!(negative_zero.add(&zero).unwrap().to_string(), "0");
    assert_eq!(negative_zero.sub(&zero).unwrap().to_string(), "-0");
    assert_eq!(zero.mul(&int(-5)).unwrap().to_string(), "-0");
    assert_eq!(negative_zero.abs().to_string(), "0");
    assert_eq!(negative_zero.floor().to_string(), "0");
    assert_eq!(num("1").div(&zero).unwrap().to_string(), "+Inf");
    assert_eq!(num("-1").div(&zero).unwrap().to_string(), "-Inf");
    let inf = Number::infinity(false);
    assert_eq!(num("1").div(&inf.neg()).unwrap().to_string(), "-0");
    assert_eq!(inf.abs().to_string(), "+Inf");
    assert_eq!(inf.floor().to_string(), "+Inf");
    assert_eq!(num("inf").to_string(), "+Inf");
    assert_eq!(num("-Inf").to_string(), "-Inf");
    assert!(inf.cmp_value(&num("1e3000")).is_gt());
    assert!(inf.neg().cmp_value(&num("-1e3000")).is_lt());
}

#[test]
fn operations_without_a_value_are_errors_with_terraforms_words() {
    let inf = Number::infinity(false);
    assert_eq!(inf.add(&inf.neg()).unwrap_err().to_string(), "can't compute sum of opposing infinities");
    assert_eq!(inf.neg().sub(&inf.neg()).unwrap_err().to_string(), "can't subtract infinity from itself");
    assert_eq!(num("0").mul(&inf).unwrap_err().to_string(), "can't multiply zero by infinity");
    assert_eq!(num("0").div(&num("0")).unwrap_err().to_string(), "can't divide zero by zero or infinity by infinity");
    assert_eq!(inf.div(&inf).unwrap_err(), NumberError::ZeroOverZero);
    assert_eq!(num("2").rem(&inf).unwrap_err().to_string(), "can't use modulo with zero and infinity");
}

#[test]
fn modulo_truncates_like_cty() {
    let rem = |a: &str, b: &str| num(a).rem(&num(b)).unwrap().to_string();
    assert_eq!(rem("5", "0"), "5");
    assert_eq!(rem("3", "-2"), "1");
    assert_eq!(rem("-3", "2"), "-1");
    assert_eq!(rem("-5", "3"), "-2");
    assert_eq!(rem("5.5", "2"), "1.5");
    assert_eq!(rem("10", "3.3"), format!("0.1{}48", "0".repeat(152)));
}

#[test]
fn floor_ceil_and_whole_numbers() {
    assert_eq!(num("2.5").ceil().to_string(), "3");
    assert_eq!(num("-2.5").floor().to_string(), "-3");
    assert_eq!(num("-0.5").ceil().to_string(), "0");
    assert_eq!(num("1").div(&num("3")).unwrap().floor().to_string(), "0");
    assert_eq!(num("1e30").add(&num("0.5")).unwrap().floor().to_string(), format!("1{}", "0".repeat(30)));
    assert_eq!(num("-7.9").trunc().to_string(), "-7");
    assert!(num("1e30").is_integer());
    assert!(!num("0.5").is_integer());
    assert!(!Number::infinity(false).is_integer());
    assert_eq!(num("9223372036854775807").to_i64(), Some(i64::MAX));
    assert_eq!(num("-9223372036854775808").to_i64(), Some(i64::MIN));
    assert_eq!(num("9223372036854775808").to_i64(), None);
    assert_eq!(num("1.5").to_i64(), None);
    assert_eq!(num("-0").to_i64(), Some(0));
}

#[test]
fn floats_keep_53_bits() {
    let root = Number::from_f64(2f64.powf(0.5)).unwrap();
    assert_eq!(root.to_string(), "1.4142135623730951");
    // Multiplying by a 512-bit literal keeps the float's exact binary value.
    assert_eq!(root.mul(&num("1")).unwrap().to_string(), "1.4142135623730951454746218587388284504413604736328125");
    let big = Number::from_f64(2f64.powi(60)).unwrap();
    assert_eq!(big.to_string(), "1152921504606847000");
    assert_eq!(big.add(&num("1")).unwrap().to_string(), "1152921504606846977");
    assert_eq!(big.integer_text(10).unwrap(), "1152921504606846976");
    assert_eq!(Number::from_f64(2f64.powi(100)).unwrap().to_string(), "1267650600228229400000000000000");
    assert_eq!(Number::from_f64(0.01).unwrap().to_string(), "0.01");
    assert_eq!(Number::from_f64(-0.0).unwrap().to_string(), "-0");
    assert_eq!(Number::from_f64(f64::NEG_INFINITY).unwrap().to_string(), "-Inf");
    assert!(Number::from_f64(f64::NAN).is_none());
    assert_eq!(Number::from_f64(5e-324).unwrap().to_f64(), 5e-324);
}

#[test]
fn to_f64_rounds_to_nearest() {
    assert_eq!(num("0.1").to_f64(), 0.1);
    assert_eq!(num("1").div(&num("3")).unwrap().to_f64(), 1.0 / 3.0);
    assert_eq!(num("1e400").to_f64(), f64::INFINITY);
    assert_eq!(num("-1e-400").to_f64(), -0.0);
    assert_eq!(num("1.7976931348623157e308").to_f64(), f64::MAX);
    assert_eq!(num("2.2250738585072014e-308").to_f64(), f64::MIN_POSITIVE);
    assert_eq!(num("12345678901234567890").to_f64(), 12345678901234567890.0);
    // Halfway between two floats: ties go to the even mantissa.
    assert_eq!(num("9007199254740993").to_f64(), 9007199254740992.0);
}

#[test]
fn parsing_follows_go_parse_float() {
    assert_eq!(num("1.").to_string(), "1");
    assert_eq!(num(".5").to_string(), "0.5");
    assert_eq!(num("+5").to_string(), "5");
    assert_eq!(num("1E+5").to_string(), "100000");
    assert_eq!(num("1p5").to_string(), "32");
    assert_eq!(num("007").to_string(), "7");
    for bad in ["", " 1", "1 ", "0x10", "1_000", ".", "e5", "1e", "1e+", "--1", "nan", "1.2.3", "Infinity"] {
        assert_eq!(bad.parse::<Number>().unwrap_err(), NumberError::Syntax, "{bad:?}");
    }
}

#[test]
fn huge_inputs_are_errors_not_hangs() {
    assert_eq!("1e999999999999".parse::<Number>().unwrap_err(), NumberError::OutOfRange);
    assert_eq!("1e-999999999999".parse::<Number>().unwrap_err(), NumberError::OutOfRange);
    assert_eq!("1e99999999999999999999999".parse::<Number>().unwrap_err(), NumberError::OutOfRange);
    assert_eq!("1e50000".parse::<Number>().unwrap_err(), NumberError::OutOfRange);
    assert_eq!("9".repeat(MAX_DIGITS + 1).parse::<Number>().unwrap_err(), NumberError::TooLong);
    // Results beyond the range saturate, as Go's do at its larger limit.
    let big = num("1e39000");
    assert!(big.mul(&big).unwrap().is_infinite());
    assert!(num("1e-39000").mul(&num("1e-39000")).unwrap().is_zero());
    assert_eq!(Number::parse_int(&"z".repeat(MAX_DIGITS + 1), 36).unwrap_err(), NumberError::TooLong);
    assert_eq!(Number::parse_int(&"1".repeat(40000), 10).unwrap_err(), NumberError::OutOfRange);
}

#[test]
fn parse_int_reads_any_base_exactly() {
    let p = |s: &str, b: u32| Number::parse_int(s, b).unwrap().map(|n| n.to_string());
    assert_eq!(p("ff", 16).as_deref(), Some("255"));
    assert_eq!(p("zz", 36).as_deref(), Some("1295"));
    assert_eq!(p("aA", 62).as_deref(), Some("656"));
    assert_eq!(p("-1", 10).as_deref(), Some("-1"));
    assert_eq!(p("123456789012345678901234567890", 10).as_deref(), Some("123456789012345678901234567890"));
    let hundred = format!("1{}", "0".repeat(177));
    assert_eq!(p(&hundred, 10), Some(hundred.clone()));
    assert_eq!(p("12", 2), None);
    assert_eq!(p("", 10), None);
    assert_eq!(p("-", 10), None);
    assert_eq!(p("1", 63), None);
}

#[test]
fn equality_follows_cty() {
    assert_eq!(num("0.1").add(&num("0.2")).unwrap(), num("0.3"));
    assert_ne!(num("0.1"), num("0.10000000000000000000001"));
    assert_ne!(num("1").div(&num("3")).unwrap(), num("0.3333333333333333"));
    assert_eq!(num("3"), Number::from(3));
    assert_eq!(num("1e30"), num("1000000000000000000000000000000"));
    assert_ne!(num("1"), num("1.0000000000000000000000001"));
}

#[test]
fn printf_forms_match_go() {
    let third = num("1").div(&num("3")).unwrap();
    assert_eq!(third.format_fixed(6), "0.333333");
    assert_eq!(num("2").div(&num("3")).unwrap().format_fixed(3), "0.667");
    assert_eq!(num("1e30").format_fixed(6), format!("1{}.000000", "0".repeat(30)));
    assert_eq!(num("0.1").format_fixed(30), format!("0.1{}", "0".repeat(29)));
    assert_eq!(num("0").neg().format_fixed(6), "-0.000000");
    assert_eq!(num("0.5").format_fixed(0), "0");
    assert_eq!(num("1.5").format_fixed(0), "2");
    assert_eq!(num("12345.678").format_exponent(Some(6), false), "1.234568e+04");
    assert_eq!(third.format_exponent(Some(6), false), "3.333333e-01");
    assert_eq!(num("0").format_exponent(Some(6), false), "0.000000e+00");
    assert_eq!(num("100000000000000000000000").format_general(None, false), "1e+23");
    assert_eq!(num("1e30").format_general(None, true), "1E+30");
    assert_eq!(num("12345678").format_general(None, false), "1.2345678e+07");
    assert_eq!(num("0.0001").format_general(None, false), "0.0001");
    assert_eq!(num("0.00001").format_general(None, false), "1e-05");
    assert_eq!(num("1234567").format_general(Some(3), false), "1.23e+06");
    assert_eq!(third.format_general(None, false), third.to_string());
    assert_eq!(num("12345678901234567890").integer_text(16).unwrap(), "ab54a98ceb1f0ad2");
    assert_eq!(num("-0").integer_text(10).unwrap(), "0");
    assert_eq!(num("1.5").integer_text(10), None);
}

#[test]
fn small_integers_stay_inline() {
    let a = Number::from(40);
    let b = a.add(&Number::from(2)).unwrap();
    assert!(matches!(b.0, Repr::Int { v: 42, prec: 64 }));
    assert!(matches!(num("7").mul(&num("6")).unwrap().0, Repr::Int { v: 42, prec: 512 }));
    assert!(matches!(num("84").div(&num("2")).unwrap().0, Repr::Int { v: 42, prec: 512 }));
    // Past i64 the big form takes over and back.
    let max = Number::from(i64::MAX);
    let over = max.add(&Number::from(1)).unwrap();
    assert_eq!(over.to_string(), "9223372036854775808");
    assert!(matches!(over.sub(&Number::from(1)).unwrap().0, Repr::Int { v: i64::MAX, .. }));
}
