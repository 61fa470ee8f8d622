//! Typed addresses of modules, resources and resource instances, whose
//! `Display` is the HCL syntax users type: `module.pool["a100"].aws_eks_node_group.this[0]`.

use crate::value::{format_number, quote};
use std::fmt;
use std::str::FromStr;

/// The key that tells apart instances made by `count` (a number) or `for_each` (a string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum InstanceKey {
    #[default]
    None,
    Int(i64),
    Str(String),
}

impl InstanceKey {
    pub fn to_value(&self) -> crate::value::Value {
        use crate::value::Value;
        match self {
            InstanceKey::None => Value::Null,
            InstanceKey::Int(i) => Value::number(*i),
            InstanceKey::Str(s) => Value::String(s.clone()),
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

/// One step of a module path: the call's name and the instance key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

/// An instance of a module; the root module is the empty path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModuleInstance(pub Vec<ModuleStep>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, name: &str, key: InstanceKey) -> ModuleInstance {
        let mut steps = self.0.clone();
        steps.push(ModuleStep { name: name.to_string(), key });
        ModuleInstance(steps)
    }

    pub fn parent(&self) -> Option<ModuleInstance> {
        if self.0.is_empty() {
            return None;
        }
        Some(ModuleInstance(self.0[..self.0.len() - 1].to_vec()))
    }

    /// The module path without instance keys: which module configuration this is.
    pub fn static_path(&self) -> ModulePath {
        ModulePath(self.0.iter().map(|s| s.name.clone()).collect())
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}{}", step.name, step.key)?;
        }
        Ok(())
    }
}

/// A module configuration: the chain of call names from the root, without keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModulePath(pub Vec<String>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }

    pub fn child(&self, name: &str) -> ModulePath {
        let mut p = self.0.clone();
        p.push(name.to_string());
        ModulePath(p)
    }

    pub fn parent(&self) -> Option<ModulePath> {
        if self.0.is_empty() {
            None
        } else {
            Some(ModulePath(self.0[..self.0.len() - 1].to_vec()))
        }
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

/// A resource inside one module instance (all of its `count`/`for_each` instances).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub module: ModuleInstance,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn instance(&self, key: InstanceKey) -> ResourceInstanceAddr {
        ResourceInstanceAddr { resource: self.clone(), key }
    }

    /// The resource's address within its module, without the module part: `aws_vpc.main`.
    pub fn local_name(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_name, self.name),
            Mode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        f.write_str(&self.local_name())
    }
}

/// One instance of a resource: the unit that providers create, update and delete.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceInstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for ResourceInstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

impl serde::Serialize for ResourceInstanceAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for ResourceInstanceAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why an address typed by a user could not be understood.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid address {input:?}: {reason}")]
pub struct AddrParseError {
    pub input: String,
    pub reason: String,
}

impl FromStr for ResourceInstanceAddr {
    type Err = AddrParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| AddrParseError { input: input.to_string(), reason: reason.to_string() };
        let mut parser = Tokens { rest: input.trim() };
        let mut module = ModuleInstance::root();
        loop {
            let word = parser.ident().ok_or_else(|| err("expected a resource type or `module`"))?;
            if word == "module" {
                parser.dot().ok_or_else(|| err("expected `.` after `module`"))?;
                let name = parser.ident().ok_or_else(|| err("expected a module name"))?;
                let key = parser.key().map_err(|r| err(&r))?;
                module = module.child(&name, key);
                parser.dot().ok_or_else(|| err("expected `.` after the module"))?;
                continue;
            }
            let (mode, type_name) = if word == "data" {
                parser.dot().ok_or_else(|| err("expected `.` after `data`"))?;
                (Mode::Data, parser.ident().ok_or_else(|| err("expected a data source type"))?)
            } else {
                (Mode::Managed, word)
            };
            parser.dot().ok_or_else(|| err("expected `.` and a resource name after the type"))?;
            let name = parser.ident().ok_or_else(|| err("expected a resource name"))?;
            let key = parser.key().map_err(|r| err(&r))?;
            if !parser.rest.is_empty() {
                return Err(err("unexpected text after the address"));
            }
            return Ok(ResourceInstanceAddr { resource: ResourceAddr { module, mode, type_name, name }, key });
        }
    }
}

/// Also accepted where a whole resource is meant (`state rm aws_vpc.main` removes every instance).
impl FromStr for ResourceAddr {
    type Err = AddrParseError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let inst: ResourceInstanceAddr = input.parse()?;
        Ok(inst.resource)
    }
}

struct Tokens<'a> {
    rest: &'a str,
}

impl Tokens<'_> {
    fn ident(&mut self) -> Option<String> {
        let end = self
            .rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
            .map(|(i, _)| i)
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let word = self.rest[..end].to_string();
        self.rest = &self.rest[end..];
        Some(word)
    }

    fn dot(&mut self) -> Option<()> {
        self.rest = self.rest.strip_prefix('.')?;
        Some(())
    }

    fn key(&mut self) -> Result<InstanceKey, String> {
        let Some(after) = self.rest.strip_prefix('[') else { return Ok(InstanceKey::None) };
        if let Some(after_quote) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = after_quote.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => {
                        let rest = &after_quote[i + 1..];
                        self.rest = rest.strip_prefix(']').ok_or("expected `]` after the key")?;
                        return Ok(InstanceKey::Str(value));
                    }
                    c => value.push(c),
                }
            }
            return Err("unterminated string key".into());
        }
        let end = after.find(']').ok_or("expected `]`")?;
        let number: i64 =
            after[..end].trim().parse().map_err(|_| "an index is a number or a quoted string".to_string())?;
        self.rest = &after[end + 1..];
        Ok(InstanceKey::Int(number))
    }
}

/// Renders a number key without a fraction, for messages.
pub fn key_from_value(v: &crate::value::Value) -> Option<InstanceKey> {
    match v.unmarked() {
        crate::value::Value::Number(n) => match n.to_i64() {
            Some(i) => Some(InstanceKey::Int(i)),
            None => Some(InstanceKey::Str(format_number(n))),
        },
        crate::value::Value::String(s) => Some(InstanceKey::Str(s.clone())),
        _ => None,
    }
}

mod pattern;
pub use pattern::ResourceAddrPattern;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_hcl_syntax_and_parses_back() {
        let addr = ModuleInstance::root().child("pool", InstanceKey::Str("a100".into()));
        let r = ResourceAddr {
            module: addr,
            mode: Mode::Managed,
            type_name: "aws_eks_node_group".into(),
            name: "this".into(),
        }
        .instance(InstanceKey::Int(0));
        let text = r.to_string();
        assert_eq!(text, "module.pool[\"a100\"].aws_eks_node_group.this[0]");
        assert_eq!(text.parse::<ResourceInstanceAddr>().unwrap(), r);
    }

    #[test]
    fn data_addresses_round_trip() {
        let text = "module.a.module.b[2].data.local_instance_type.gpu";
        let parsed: ResourceInstanceAddr = text.parse().unwrap();
        assert_eq!(parsed.resource.mode, Mode::Data);
        assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in ["", "aws_vpc", "aws_vpc.", "module.x", "aws_vpc.main[", "aws_vpc.main[x]", "a.b c"] {
            assert!(bad.parse::<ResourceInstanceAddr>().is_err(), "{bad}");
        }
    }
}
