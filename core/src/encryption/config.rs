//! From the encryption block to codecs: checks each block against the known key provider
//! types and methods, evaluates the arguments with the run's inputs, opens the key providers
//! and assembles each target's chain of methods. Every problem found is reported, each at the
//! block or argument it is about.

use super::codec::{Codec, Method, Provider};
use super::error::Target;
use super::key_provider::{KeyProviderRegistry, KeyProviderSettings};
use super::scope::{key_provider_addr, method_addr, Allowed, EncryptionScope, Inputs};
use super::Encryption;
use crate::config::{EncryptionConfig, EncryptionItem, EncryptionTarget, Module};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::eval::Evaluator;
use crate::syntax::{Body, Expr};
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The methods built into Gantry, as in OpenTofu.
const METHODS: &[&str] = &["aes_gcm", "unencrypted"];

pub(crate) struct Builder<'a> {
    pub module: &'a Module,
    pub config: &'a EncryptionConfig,
    /// `None` checks without values and opens nothing (validate).
    pub inputs: Option<&'a Inputs>,
    pub registry: &'a KeyProviderRegistry,
    pub diags: Diagnostics,
}

impl Builder<'_> {
    fn eval(&mut self, expr: &Expr, allowed: Allowed) -> Option<Value> {
        let scope = EncryptionScope { module: self.module, config: self.config, inputs: self.inputs, allowed };
        match Evaluator::new(&scope, &self.module.dir, None).eval(expr) {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn check_arguments(&mut self, body: &Body, what: &str, allowed: &[&str]) {
        for attr in &body.attributes {
            if !allowed.contains(&attr.name.as_str()) {
                let hint = did_you_mean(&attr.name, allowed.iter().copied());
                let takes = if allowed.is_empty() {
                    "It takes no arguments.".to_string()
                } else {
                    format!("It takes {}.", allowed.join(", "))
                };
                self.diags.push(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!("An argument named \"{}\" is not expected in {what}.{hint} {takes}", attr.name),
                    )
                    .at(attr.name_span),
                );
            }
        }
        for block in &body.blocks {
            self.diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!("Blocks of type \"{}\" are not expected in {what}.", block.kind),
                )
                .at(block.kind_span),
            );
        }
    }

    /// Opens every key provider block; `None` for one that has a problem (already reported).
    pub fn key_providers(&mut self) -> BTreeMap<String, Arc<Provider>> {
        let mut out = BTreeMap::new();
        for item in &self.config.key_providers {
            let addr = key_provider_addr(&item.kind, &item.name);
            let Some(factory) = self.registry.get(&item.kind).cloned() else {
                let names: Vec<&str> = self.registry.names().collect();
                self.diags.push(
                    Diagnostic::error(
                        "Unsupported key provider",
                        format!(
                            "There is no key provider type \"{}\" in this build.{} Available key providers: {}.",
                            item.kind,
                            did_you_mean(&item.kind, names.iter().copied()),
                            names.join(", ")
                        ),
                    )
                    .at(item.kind_span),
                );
                continue;
            };
            self.check_arguments(&item.body, &format!("a {} key provider", item.kind), factory.arguments());
            let allowed = Allowed { key_providers: false, methods: false };
            let mut settings = KeyProviderSettings { name: item.name.clone(), attributes: BTreeMap::new() };
            let mut complete = true;
            for attr in &item.body.attributes {
                match self.eval(&attr.expr, allowed) {
                    Some(v) if !v.contains_unknown() => {
                        settings.attributes.insert(attr.name.clone(), v.deep_unmarked().to_json());
                    }
                    _ => complete = false,
                }
            }
            if !complete || self.inputs.is_none() {
                continue;
            }
            match factory.open(&settings) {
                Ok(inner) => {
                    out.insert(addr.clone(), Arc::new(Provider { addr, inner }));
                }
                // At the block header, never at the argument: the source line of an argument
                // could hold a literal passphrase, and diagnostics print that line.
                Err(e) => self.diags.push(
                    Diagnostic::error(
                        "Invalid key provider configuration",
                        match &e.argument {
                            Some(a) => format!("{addr}, argument \"{a}\": {}.", e.message),
                            None => format!("{addr}: {}.", e.message),
                        },
                    )
                    .at(item.span),
                ),
            }
        }
        out
    }

    /// Builds every method block; `None` for one that has a problem.
    pub fn methods(&mut self, providers: &BTreeMap<String, Arc<Provider>>) -> BTreeMap<String, Method> {
        let mut out = BTreeMap::new();
        for item in &self.config.methods {
            let addr = method_addr(&item.kind, &item.name);
            let method = match item.kind.as_str() {
                "aes_gcm" => self.aes_gcm(item, &addr, providers),
                "unencrypted" => {
                    self.check_arguments(&item.body, "an unencrypted method", &[]);
                    self.diags.push(
                        Diagnostic::warning(
                            "Unencrypted method configured",
                            format!("{addr} reads and writes unencrypted data. It is meant for migrating to or from encryption: remove it once the state and plans are written with an encrypting method."),
                        )
                        .at(item.span),
                    );
                    Some(Method::Unencrypted { addr: addr.clone() })
                }
                other => {
                    self.diags.push(
                        Diagnostic::error(
                            "Unsupported encryption method",
                            format!(
                                "There is no encryption method \"{other}\".{} Available methods: {}.",
                                did_you_mean(other, METHODS.iter().copied()),
                                METHODS.join(", ")
                            ),
                        )
                        .at(item.kind_span),
                    );
                    None
                }
            };
            if let Some(m) = method {
                out.insert(addr, m);
            }
        }
        out
    }

    fn aes_gcm(
        &mut self,
        item: &EncryptionItem,
        addr: &str,
        providers: &BTreeMap<String, Arc<Provider>>,
    ) -> Option<Method> {
        self.check_arguments(&item.body, "an aes_gcm method", &["keys"]);
        let Some(keys) = item.body.attribute("keys") else {
            self.diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("{addr} needs the key provider it takes its keys from: keys = key_provider.TYPE.NAME."),
                )
                .at(item.span),
            );
            return None;
        };
        let value = self.eval(&keys.expr, Allowed { key_providers: true, methods: false })?;
        let provider_addr = match value.unmarked() {
            Value::Unknown => return None,
            Value::String(s) if s.starts_with("key_provider.") => s.clone(),
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        "Invalid keys",
                        "keys must refer to a key provider: keys = key_provider.TYPE.NAME.",
                    )
                    .at(keys.expr.span),
                );
                return None;
            }
        };
        // A provider that failed to open was reported at its own block.
        let provider = providers.get(&provider_addr)?.clone();
        Some(Method::AesGcm { addr: addr.to_string(), provider })
    }

    /// The chain of methods of a state or plan block, the writing one first.
    pub fn target(
        &mut self,
        target: &EncryptionTarget,
        which: Target,
        methods: &BTreeMap<String, Method>,
    ) -> Option<Codec> {
        let mut chain = Vec::new();
        let mut complete = true;
        let mut level = Some(target);
        while let Some(t) = level {
            let outer = std::ptr::eq(t, target);
            level = t.fallback.as_deref();
            let Some(expr) = &t.method else {
                complete = false;
                continue;
            };
            let addr =
                match self.eval(expr, Allowed { key_providers: false, methods: true }).map(|v| v.unmarked().clone()) {
                    Some(Value::String(s)) if s.starts_with("method.") => s,
                    Some(Value::Unknown) | None => {
                        complete = false;
                        continue;
                    }
                    Some(_) => {
                        self.diags.push(
                            Diagnostic::error(
                                "Invalid encryption method identifier",
                                "Expected a method of the form method.TYPE.NAME.",
                            )
                            .at(expr.span),
                        );
                        complete = false;
                        continue;
                    }
                };
            if outer && target.enforced && addr.starts_with("method.unencrypted.") {
                self.diags.push(
                    Diagnostic::error(
                        "Unencrypted method is forbidden",
                        format!(
                            "The {which} block sets enforced = true, which promises that the {which} is never written unencrypted, but its method is {addr}. Use an encrypting method, or remove enforced while migrating away from encryption."
                        ),
                    )
                    .at(expr.span),
                );
                complete = false;
            }
            match methods.get(&addr) {
                Some(m) => chain.push(m.clone()),
                None => complete = false,
            }
        }
        if !complete || self.inputs.is_none() {
            return None;
        }
        Some(Codec::new(which, chain))
    }

    pub fn build(mut self) -> Result<Encryption, Diagnostics> {
        let providers = self.key_providers();
        let methods = self.methods(&providers);
        let state =
            self.config.state.as_ref().and_then(|t| self.target(t, Target::State, &methods)).map(std::sync::Arc::new);
        let plan = self.config.plan.as_ref().and_then(|t| self.target(t, Target::Plan, &methods));
        if self.diags.has_errors() {
            return Err(self.diags);
        }
        Ok(Encryption { state, plan, warnings: self.diags })
    }
}
