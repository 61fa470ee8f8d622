//! IP network functions: cidrhost, cidrnetmask, cidrsubnet, cidrsubnets, for IPv4 and IPv6.
//!
//! Addresses of both families are held in a u128 together with their width
//! (32 or 128 bits), so the arithmetic is written once.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{arg_int, arg_num, arg_str, echo, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[
    spec("cidrhost", 2, Some(2), cidrhost),
    spec("cidrnetmask", 1, Some(1), cidrnetmask),
    spec("cidrsubnet", 3, Some(3), cidrsubnet),
    spec("cidrsubnets", 1, None, cidrsubnets),
];

/// A network prefix: its (masked) address, address width and prefix length.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Net {
    addr: u128,
    bits: u32,
    len: u32,
    /// An IPv4-mapped IPv6 prefix (`::ffff:10.0.0.0/104`). Go's net package treats its address
    /// as IPv4 and its mask as IPv6, and Terraform's results follow from that mix.
    mapped: bool,
}

const V4_MAPPED: u128 = 0xffff_u128 << 32;

fn is_v4_mapped(addr: u128) -> bool {
    addr >> 32 == 0xffff
}

/// An IPv4 address as Terraform reads one: four decimal parts, leading zeros allowed
/// (`010.001.0.0` is 10.1.0.0, not octal).
fn parse_v4(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut value = 0u32;
    for part in parts {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let octet: u32 = part.parse().ok()?;
        if octet > 255 {
            return None;
        }
        value = value << 8 | octet;
    }
    Some(value)
}

/// Every bit of an address of the given width.
fn full(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// Bits set for the network part of a prefix of `len` bits.
fn mask(bits: u32, len: u32) -> u128 {
    let host = bits.saturating_sub(len);
    if host >= 128 {
        0
    } else {
        (u128::MAX << host) & full(bits)
    }
}

fn host_mask(bits: u32, len: u32) -> u128 {
    full(bits) & !mask(bits, len)
}

fn parse_cidr(text: &str, i: usize) -> FResult<Net> {
    let bad = || FuncError::at(i, format!("invalid CIDR address: {}", echo(text)));
    let (addr, len) = text.split_once('/').ok_or_else(bad)?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return Err(bad());
    }
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (value, bits) = match parse_v4(addr) {
        Some(v4) => (u128::from(v4), 32),
        None => match addr.parse::<IpAddr>().map_err(|_| bad())? {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        },
    };
    if len > bits {
        return Err(bad());
    }
    let addr = value & mask(bits, len);
    Ok(Net { addr, bits, len, mapped: bits == 128 && is_v4_mapped(addr) })
}

/// An address as Go prints it: an IPv4-mapped IPv6 address in dotted IPv4 form.
fn fmt_addr(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else if is_v4_mapped(addr) {
        Ipv4Addr::from((addr & !V4_MAPPED) as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// A prefix as Go prints one: an IPv4-mapped address shows as IPv4, with the mask's last 32 bits.
fn fmt_prefix(addr: u128, bits: u32, len: u32) -> String {
    if bits == 128 && is_v4_mapped(addr) {
        return format!("{}/{}", fmt_addr(addr, bits), len.saturating_sub(96));
    }
    format!("{}/{len}", fmt_addr(addr, bits))
}

/// A whole number that may be larger than i64, as IPv6 host and network numbers can be.
fn arg_big_int(args: &[Value], i: usize, param: &str) -> FResult<i128> {
    let n = arg_num(args, i, param)?;
    if !n.is_finite() || n.fract() != 0.0 || n.abs() >= 1.7e38 {
        return Err(FuncError::at(i, format!("invalid value for \"{param}\": value must be a whole number")));
    }
    Ok(n as i128)
}

fn cidrhost(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let net = parse_cidr(&arg_str(args, 0, "prefix")?, 0)?;
    let num = arg_big_int(args, 1, "hostnum")?;
    let max = host_mask(net.bits, net.len);
    let too_big = || {
        FuncError::at(1, format!("prefix of {} bits cannot accommodate a host numbered {}", echo(net.len), echo(num)))
    };
    // Negative host numbers count back from the last address of the prefix.
    let host = if num >= 0 {
        num.unsigned_abs()
    } else {
        let back = num.unsigned_abs() - 1;
        if back > max {
            return Err(too_big());
        }
        max - back
    };
    if host > max {
        return Err(too_big());
    }
    // Go places the host number of an IPv4-mapped prefix as if the address were 32 bits wide.
    let host = if net.mapped { host.checked_shl(96).unwrap_or(0) } else { host };
    Ok(Value::String(fmt_addr(net.addr | host, net.bits)))
}

fn cidrnetmask(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let prefix = arg_str(args, 0, "prefix")?;
    let net = parse_cidr(&prefix, 0)?;
    if net.mapped {
        return Ok(Value::String(Ipv6Addr::from(mask(128, net.len)).to_string()));
    }
    if net.bits != 32 {
        return Err(FuncError::at(0, format!("IPv6 addresses cannot have a netmask: {}", echo(prefix))));
    }
    Ok(Value::String(fmt_addr(mask(32, net.len), 32)))
}

fn cidrsubnet(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let net = parse_cidr(&arg_str(args, 0, "prefix")?, 0)?;
    let newbits = arg_int(args, 1, "newbits")?;
    let num = arg_big_int(args, 2, "netnum")?;
    if num < 0 {
        return Err(FuncError::at(2, "invalid value for \"netnum\": must not be negative"));
    }
    let new_len = i64::from(net.len) + newbits;
    if new_len > i64::from(net.bits) {
        return Err(FuncError::at(
            1,
            format!("insufficient address space to extend prefix of {} by {}", echo(net.len), echo(newbits)),
        ));
    }
    if new_len < 0 {
        return Err(FuncError::at(1, format!("cannot shorten a prefix of {} by {}", echo(net.len), echo(-newbits))));
    }
    let new_len = new_len as u32;
    // A negative newbits shortens the prefix, as Terraform allows, and then any netnum fits.
    let max_num = match newbits {
        ..0 => u128::MAX,
        128.. => u128::MAX,
        n => (1u128 << n) - 1,
    };
    let num = num.unsigned_abs();
    if num > max_num {
        return Err(FuncError::at(
            2,
            format!("prefix extension of {} does not accommodate a subnet numbered {}", echo(newbits), echo(num)),
        ));
    }
    let shift = net.bits - new_len;
    let offset = num.checked_shl(shift).unwrap_or(0) & full(net.bits);
    Ok(Value::String(fmt_prefix(net.addr | offset, net.bits, new_len)))
}

fn cidrsubnets(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let net = parse_cidr(&arg_str(args, 0, "prefix")?, 0)?;
    let family = if net.bits == 32 { "IPv4" } else { "IPv6" };
    let mut out = Vec::new();
    let mut prev: Option<(u128, u32)> = None;
    for i in 1..args.len() {
        let newbits = arg_int(args, i, "newbits")?;
        if newbits < 1 {
            return Err(FuncError::at(i, "must extend prefix by at least one bit"));
        }
        let len = i64::from(net.len) + newbits;
        if len > i64::from(net.bits) {
            return Err(FuncError::at(
                i,
                format!("would extend prefix to {} bits, which is too long for an {family} address", echo(len)),
            ));
        }
        let len = len as u32;
        // Each subnet starts right after the previous one, aligned to its own size.
        let start = match prev {
            None => Some(net.addr),
            Some((addr, plen)) => {
                let last = addr | host_mask(net.bits, plen);
                ((last & mask(net.bits, len)) | host_mask(net.bits, len)).checked_add(1)
            }
        };
        let fits = |a: u128| a <= full(net.bits) && a & mask(net.bits, net.len) == net.addr;
        let Some(start) = start.filter(|a| fits(*a)) else {
            let after = prev.map(|(a, l)| format!("{}/{l}", fmt_addr(a, net.bits))).unwrap_or_default();
            return Err(FuncError::at(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {} bits after {}",
                    echo(len),
                    echo(after)
                ),
            ));
        };
        out.push(Value::String(fmt_prefix(start, net.bits, len)));
        prev = Some((start, len));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn cidrhost_examples() {
        assert_eq!(call_ok("cidrhost", vec![s("10.12.112.0/20"), n(16.0)]), s("10.12.112.16"));
        assert_eq!(call_ok("cidrhost", vec![s("10.12.112.0/20"), n(268.0)]), s("10.12.113.12"));
        assert_eq!(
            call_ok("cidrhost", vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]),
            s("fd00:fd12:3456:7890::22")
        );
        assert_eq!(call_ok("cidrhost", vec![s("10.0.0.0/8"), n(-1.0)]), s("10.255.255.255"));
        assert_eq!(call_ok("cidrhost", vec![s("10.1.2.3/24"), n(5.0)]), s("10.1.2.5"));
        let e = call_err("cidrhost", vec![s("10.0.0.0/30"), n(4.0)]);
        assert_eq!((e.message.as_str(), e.arg), ("prefix of 30 bits cannot accommodate a host numbered 4", Some(1)));
        assert_eq!(call_err("cidrhost", vec![s("10.0.0.0"), n(1.0)]).message, "invalid CIDR address: 10.0.0.0");
        assert_eq!(call_err("cidrhost", vec![s("10.0.0.0/33"), n(1.0)]).arg, Some(0));
    }

    #[test]
    fn cidrnetmask_examples() {
        assert_eq!(call_ok("cidrnetmask", vec![s("172.16.0.0/12")]), s("255.240.0.0"));
        assert_eq!(call_ok("cidrnetmask", vec![s("10.0.0.0/0")]), s("0.0.0.0"));
        assert_eq!(call_ok("cidrnetmask", vec![s("10.0.0.1/32")]), s("255.255.255.255"));
        assert!(call_err("cidrnetmask", vec![s("fd00::/8")]).message.contains("IPv6"));
    }

    #[test]
    fn cidrsubnet_examples() {
        assert_eq!(call_ok("cidrsubnet", vec![s("172.16.0.0/12"), n(4.0), n(2.0)]), s("172.18.0.0/16"));
        assert_eq!(call_ok("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(15.0)]), s("10.1.2.240/28"));
        assert_eq!(
            call_ok("cidrsubnet", vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)]),
            s("fd00:fd12:3456:7800:a200::/72")
        );
        assert_eq!(call_ok("cidrsubnet", vec![s("10.0.0.0/8"), n(0.0), n(0.0)]), s("10.0.0.0/8"));
        assert_eq!(
            call_err("cidrsubnet", vec![s("10.0.0.0/30"), n(4.0), n(0.0)]).message,
            "insufficient address space to extend prefix of 30 by 4"
        );
        assert_eq!(
            call_err("cidrsubnet", vec![s("10.0.0.0/8"), n(2.0), n(4.0)]).message,
            "prefix extension of 2 does not accommodate a subnet numbered 4"
        );
        assert_eq!(call_err("cidrsubnet", vec![s("10.0.0.0/8"), n(2.0), n(-1.0)]).arg, Some(2));
    }

    #[test]
    fn cidrsubnets_examples() {
        assert_eq!(
            call_ok("cidrsubnets", vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]),
            sl(&["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"])
        );
        assert_eq!(
            call_ok("cidrsubnets", vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(16.0), n(16.0), n(32.0)]),
            sl(&[
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88",
            ])
        );
        assert_eq!(call_ok("cidrsubnets", vec![s("0.0.0.0/0"), n(1.0), n(1.0)]), sl(&["0.0.0.0/1", "128.0.0.0/1"]));
        assert_eq!(call_ok("cidrsubnets", vec![s("10.0.0.0/8")]), sl(&[]));
        assert!(call_err("cidrsubnets", vec![s("10.0.0.0/8"), n(1.0), n(1.0), n(1.0)])
            .message
            .starts_with("not enough remaining address space"));
        assert!(call_err("cidrsubnets", vec![s("10.0.0.0/30"), n(3.0)])
            .message
            .contains("too long for an IPv4 address"));
        assert_eq!(call_err("cidrsubnets", vec![s("10.0.0.0/8"), n(0.0)]).arg, Some(1));
    }
}
