//! Reading YAML as Helm does (sigs.k8s.io/yaml over go-yaml v2): mapping keys
//! become strings, a repeated key keeps its last value (go-yaml's non-strict
//! decoding, which Helm uses), merge keys (`<<`) are applied and tags dropped.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as J};

/// Parses one YAML document into JSON-shaped data. Empty input is `null`.
pub fn parse_yaml(text: &str) -> Result<J, String> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    match Loose::deserialize(de) {
        Ok(v) => Ok(v.0),
        Err(e) => {
            let msg = e.to_string();
            // An empty document is null, as go-yaml reads it.
            if text.trim().is_empty() || msg.contains("EOF while parsing") {
                Ok(J::Null)
            } else {
                Err(msg)
            }
        }
    }
}

/// Parses every document of a YAML stream.
pub fn parse_yaml_stream(text: &str) -> Result<Vec<J>, String> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        out.push(Loose::deserialize(doc).map_err(|e| e.to_string())?.0);
    }
    Ok(out)
}

struct Loose(J);

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor).map(Loose)
    }
}

struct LooseVisitor;

fn key_string(k: J) -> String {
    match k {
        J::String(s) => s,
        J::Null => "null".into(),
        other => other.to_string(),
    }
}

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = J;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<J, E> {
        Ok(serde_json::Number::from_f64(v).map_or(J::Null, J::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::String(v))
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(Loose(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(J::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out = Map::new();
        let mut merges = Vec::new();
        while let Some(Loose(k)) = map.next_key()? {
            let Loose(v) = map.next_value()?;
            let k = key_string(k);
            if k == "<<" {
                merges.push(v);
                continue;
            }
            out.insert(k, v);
        }
        // Merge keys fill in only what the mapping does not set itself.
        for m in merges {
            let sources = match m {
                J::Array(a) => a,
                other => vec![other],
            };
            for s in sources {
                if let J::Object(o) = s {
                    for (k, v) in o {
                        out.entry(k).or_insert(v);
                    }
                }
            }
        }
        Ok(J::Object(out))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<J, A::Error> {
        use de::VariantAccess;
        // A tagged value (`!tag value`): keep the value, drop the tag.
        let (_tag, variant): (Loose, _) = data.variant()?;
        let Loose(v) = variant.newtype_variant()?;
        Ok(v)
    }
}
