//! Serialisation and hashing: `toYaml`/`fromYaml`, `toJson`/`fromJson`, `toToml`,
//! base64/base32 and the hash sums.

use base64::Engine;
use sha2::Digest;

use super::convert::to_string;
use super::yaml_out::{to_json, to_yaml};
use super::{str_arg, want, FnResult, FuncMap};
use crate::value::{Map, Value};

pub fn register(m: &mut FuncMap) {
    m.insert("toYaml", |_, a| {
        want(a, 1, "toYaml")?;
        Ok(Value::str(to_yaml(&a[0].to_json())))
    });
    m.insert("mustToYaml", |_, a| {
        want(a, 1, "mustToYaml")?;
        Ok(Value::str(to_yaml(&a[0].to_json())))
    });
    m.insert("toYamlPretty", |_, a| {
        want(a, 1, "toYamlPretty")?;
        Ok(Value::str(to_yaml(&a[0].to_json())))
    });
    m.insert("fromYaml", |_, a| {
        want(a, 1, "fromYaml")?;
        let s = str_arg(a, 0)?;
        Ok(match crate::yaml::parse_yaml(&s) {
            Ok(j @ serde_json::Value::Object(_)) => Value::from_json_helm(&j),
            Ok(serde_json::Value::Null) => Value::empty_map(),
            Ok(_) => error_map(
                "error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
            ),
            Err(e) => error_map(&format!("error converting YAML to JSON: {e}")),
        })
    });
    m.insert("mustFromYaml", |_, a| {
        want(a, 1, "mustFromYaml")?;
        let s = str_arg(a, 0)?;
        let j = crate::yaml::parse_yaml(&s)?;
        Ok(Value::from_json_helm(&j))
    });
    m.insert("fromYamlArray", |_, a| {
        want(a, 1, "fromYamlArray")?;
        let s = str_arg(a, 0)?;
        Ok(match crate::yaml::parse_yaml(&s) {
            Ok(j @ serde_json::Value::Array(_)) => Value::from_json_helm(&j),
            Ok(serde_json::Value::Null) => Value::list(Vec::new()),
            Ok(_) => Value::list(vec![Value::str(
                "error unmarshaling JSON: json: cannot unmarshal object into Go value of type []interface {}",
            )]),
            Err(e) => Value::list(vec![Value::str(format!("error converting YAML to JSON: {e}"))]),
        })
    });
    m.insert("toJson", |_, a| json_fn(a, true, false));
    m.insert("mustToJson", |_, a| json_fn(a, true, false));
    m.insert("toPrettyJson", |_, a| json_fn(a, true, true));
    m.insert("mustToPrettyJson", |_, a| json_fn(a, true, true));
    m.insert("toRawJson", |_, a| json_fn(a, false, false));
    m.insert("mustToRawJson", |_, a| json_fn(a, false, false));
    m.insert("fromJson", |_, a| {
        want(a, 1, "fromJson")?;
        let s = str_arg(a, 0)?;
        Ok(match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(j @ serde_json::Value::Object(_)) => Value::from_json_helm(&j),
            Ok(_) => error_map("json: cannot unmarshal into Go value of type map[string]interface {}"),
            Err(e) => error_map(&e.to_string()),
        })
    });
    m.insert("mustFromJson", |_, a| {
        want(a, 1, "mustFromJson")?;
        let s = str_arg(a, 0)?;
        let j: serde_json::Value = serde_json::from_str(&s).map_err(|e| e.to_string())?;
        Ok(Value::from_json_helm(&j))
    });
    m.insert("fromJsonArray", |_, a| {
        want(a, 1, "fromJsonArray")?;
        let s = str_arg(a, 0)?;
        Ok(match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(j @ serde_json::Value::Array(_)) => Value::from_json_helm(&j),
            Ok(_) => Value::list(vec![Value::str("json: cannot unmarshal into Go value of type []interface {}")]),
            Err(e) => Value::list(vec![Value::str(e.to_string())]),
        })
    });
    m.insert("toToml", |_, a| {
        want(a, 1, "toToml")?;
        let j = json_to_toml(&a[0].to_json());
        Ok(Value::str(match toml::to_string(&j) {
            Ok(s) => s,
            Err(e) => e.to_string(),
        }))
    });
    m.insert("fromToml", |_, a| {
        want(a, 1, "fromToml")?;
        let s = str_arg(a, 0)?;
        Ok(match s.parse::<toml::Table>() {
            Ok(t) => Value::from_json_helm(&serde_json::to_value(t).unwrap_or_default()),
            Err(e) => error_map(&e.to_string()),
        })
    });
    m.insert("b64enc", |_, a| {
        want(a, 1, "b64enc")?;
        Ok(Value::str(base64::engine::general_purpose::STANDARD.encode(bytes_of(&a[0]))))
    });
    m.insert("b64dec", |_, a| {
        want(a, 1, "b64dec")?;
        let s = to_string(&a[0]);
        Ok(Value::str(match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => format!("illegal base64 data at input byte {}", b64_err_pos(&e)),
        }))
    });
    m.insert("b32enc", |_, a| {
        want(a, 1, "b32enc")?;
        Ok(Value::str(base32_encode(&bytes_of(&a[0]))))
    });
    m.insert("sha256sum", |_, a| hash(a, "sha256sum", |b| hex::encode(sha2::Sha256::digest(b))));
    m.insert("sha512sum", |_, a| hash(a, "sha512sum", |b| hex::encode(sha2::Sha512::digest(b))));
    m.insert("sha1sum", |_, a| hash(a, "sha1sum", |b| hex::encode(sha1::Sha1::digest(b))));
    m.insert("md5sum", |_, a| hash(a, "md5sum", |b| hex::encode(md5::Md5::digest(b))));
    m.insert("adler32sum", |_, a| hash(a, "adler32sum", |b| adler32(b).to_string()));
}

fn json_fn(a: &[Value], html: bool, pretty: bool) -> FnResult {
    want(a, 1, "toJson")?;
    Ok(Value::str(to_json(&a[0].to_json(), html, pretty)))
}

fn error_map(msg: &str) -> Value {
    let mut m = Map::new();
    m.insert("Error".into(), Value::str(msg));
    Value::map(m)
}

fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.as_ref().clone(),
        other => to_string(other).into_bytes(),
    }
}

fn hash(a: &[Value], name: &str, f: fn(&[u8]) -> String) -> FnResult {
    want(a, 1, name)?;
    let s = str_arg(a, 0)?;
    Ok(Value::str(f(s.as_bytes())))
}

fn b64_err_pos(e: &base64::DecodeError) -> usize {
    match e {
        base64::DecodeError::InvalidByte(p, _) => *p,
        base64::DecodeError::InvalidLastSymbol(p, _) => *p,
        _ => 0,
    }
}

fn adler32(b: &[u8]) -> u32 {
    let (mut a, mut s) = (1u32, 0u32);
    for x in b {
        a = (a + *x as u32) % 65521;
        s = (s + a) % 65521;
    }
    (s << 16) | a
}

fn base32_encode(b: &[u8]) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in b.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(ALPHA[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// JSON data as TOML values. Numbers are converted here rather than by serde: with serde_json's
/// `arbitrary_precision` (which the workspace enables to keep every digit), a JSON number
/// serializes as a private struct, which the TOML writer would print as a table. Nulls have no
/// TOML form and are left out, as Helm's encoder leaves them out.
fn json_to_toml(j: &serde_json::Value) -> Option<toml::Value> {
    Some(match j {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(b) => toml::Value::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => toml::Value::String(s.clone()),
        serde_json::Value::Array(items) => toml::Value::Array(items.iter().filter_map(json_to_toml).collect()),
        serde_json::Value::Object(map) => {
            toml::Value::Table(map.iter().filter_map(|(k, v)| Some((k.clone(), json_to_toml(v)?))).collect())
        }
    })
}
