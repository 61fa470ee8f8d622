//! Gantry's engine: the language, the resource graph, plan, apply and state.
//!
//! `core` depends on no cloud SDK and does no network I/O; providers implement
//! [`provider::Provider`] in their own crates.

pub mod addr;
pub mod analysis;
pub mod catalog;
pub mod cluster;
pub mod config;
pub mod diag;
pub mod encryption;
pub mod engine;
pub mod eval;
pub mod format;
pub mod funcs;
pub mod graph;
pub mod plan;
pub mod provider;
pub mod redact;
pub mod retry;
pub mod schema_doc;
pub mod state;
pub mod syntax;
pub mod tfjson;
pub mod types;
pub mod value;
