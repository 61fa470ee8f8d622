//! `local_network`: a simulated cloud network whose ID the simulated cloud
//! assigns on create, as a VPC's is. A create whose answer is lost cannot be
//! found by name, so it is made the way EC2 makes a VPC with a client token: the
//! create carries a token (a retry with the same token returns the same network
//! instead of a second one), and the network is tagged with the address and the
//! state lineage that made it, which is what recovery searches by.

use crate::sim::Sim;
use gantry_core::provider::{AttributeSchema as A, BlockSchema, ProviderError};
use gantry_core::types::Type;
use gantry_core::value::Value;

pub const TYPE: &str = "local_network";

/// Kept with the simulated object, never shown as an attribute.
const TOKEN: &str = "_client_token";
const SYSTEM_TAGS: &str = "_system_tags";

pub fn schema() -> BlockSchema {
    BlockSchema::default()
        .attr("cidr_block", A::required(Type::String).force_new())
        .attr("tags", A::optional(Type::Map(Box::new(Type::String))))
        .attr("id", A::computed(Type::String).describe("Assigned by the simulated cloud on create: net-…"))
        .attr("arn", A::computed(Type::String))
}

/// What identifies a create: its client token, and the tags it sets.
pub fn identity(address: &str, lineage: &str, token: &str) -> serde_json::Value {
    serde_json::json!({
        "client_token": token,
        "tags": { "gantry:address": address, "gantry:lineage": lineage },
    })
}

fn failed(e: String) -> ProviderError {
    ProviderError::new("Simulator write failed", e)
}

/// The attributes, without what the simulated cloud keeps for itself.
fn public(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(k, _)| !k.starts_with('_')).collect()),
        other => other,
    }
}

fn id_of(v: &Value) -> String {
    v.get("id").and_then(|i| i.as_str()).unwrap_or_default().to_string()
}

pub fn read(sim: &Sim, state: &Value) -> Result<Option<Value>, ProviderError> {
    let id = id_of(state);
    if id.is_empty() {
        return Ok(None);
    }
    sim.get_network(&id).map(|v| v.map(public)).map_err(|e| ProviderError::new("Simulator read failed", e))
}

pub fn create(sim: &Sim, planned: &Value, identity: Option<&serde_json::Value>) -> Result<Value, ProviderError> {
    let token = identity.and_then(|i| i.get("client_token")).and_then(|t| t.as_str()).unwrap_or_default();
    if !token.is_empty() {
        if let Some(existing) = sim.network_by_token(token).map_err(failed)? {
            return Ok(public(existing));
        }
    }
    let id = format!("net-{}", &uuid::Uuid::new_v4().simple().to_string()[..17]);
    let mut v = planned.clone().deep_unmarked();
    if let Value::Object(m) = &mut v {
        m.insert("id".into(), Value::string(id.clone()));
        m.insert("arn".into(), Value::string(format!("arn:gantry:local:network/{id}")));
        m.insert(TOKEN.into(), Value::string(token));
        let tags = identity.and_then(|i| i.get("tags")).cloned().unwrap_or_default();
        m.insert(SYSTEM_TAGS.into(), Value::from_json(&tags));
    }
    // The network first, then its token: a kill in between leaves a network that
    // recovery finds by its tags, never a token that names nothing.
    sim.put_network(&id, &v).map_err(failed)?;
    if !token.is_empty() {
        sim.put_network_token(token, &id).map_err(failed)?;
    }
    Ok(public(v))
}

pub fn update(sim: &Sim, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    let id = id_of(prior);
    let stored = sim.get_network(&id).map_err(failed)?.ok_or_else(|| {
        ProviderError::new("Network not found", format!("network {id} no longer exists; run gantry plan again"))
    })?;
    let mut v = planned.clone().deep_unmarked();
    if let (Value::Object(m), Value::Object(old)) = (&mut v, &stored) {
        m.insert("id".into(), Value::string(id.clone()));
        for k in ["arn", TOKEN, SYSTEM_TAGS] {
            if let Some(x) = old.get(k) {
                m.insert(k.into(), x.clone());
            }
        }
    }
    sim.put_network(&id, &v).map_err(failed)?;
    Ok(public(v))
}

pub fn delete(sim: &Sim, prior: &Value) -> Result<(), ProviderError> {
    let id = id_of(prior);
    let token = sim.get_network(&id).map_err(failed)?.and_then(|n| n.get(TOKEN)?.as_str().map(str::to_string));
    sim.delete_network(&id).map_err(failed)?;
    // After the network, so that a kill in between leaves a token naming nothing, which
    // lookups already treat as no network; the index must not grow with every create ever made.
    match token.filter(|t| !t.is_empty()) {
        Some(t) => sim.delete_network_token(&t).map_err(failed),
        None => Ok(()),
    }
}

/// The network a lost create made: the one with its client token, or else the one
/// tagged with its address and lineage.
pub fn find(sim: &Sim, identity: &serde_json::Value) -> Option<Value> {
    let token = identity.get("client_token").and_then(|t| t.as_str());
    if let Some(found) = token.and_then(|t| sim.network_by_token(t).ok().flatten()) {
        return Some(public(found));
    }
    let tags = identity.get("tags").map(Value::from_json)?;
    sim.networks().into_iter().find(|n| n.get(SYSTEM_TAGS) == Some(&tags)).map(public)
}
