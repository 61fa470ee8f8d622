//! The configuration graph: one node per variable, local, output, resource,
//! module call and provider of every module, with an edge for each reference.
//! References are resolved here, so an undeclared name or a cycle is reported
//! before anything is evaluated.

mod build;
mod cycles;
mod model;
mod resolve;

pub use build::{build, check_references, implied_provider};
pub use model::{ConfigGraph, Edge, Node, NodeKind};
