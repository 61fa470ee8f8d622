//! Gantry's engine: the language, the resource graph, plan, apply and state.
//!
//! `core` depends on no cloud SDK and does no network I/O; providers implement
//! [`provider::Provider`] in their own crates.

pub mod funcs;
pub mod value;
