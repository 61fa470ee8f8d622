//! Renders Helm charts in pure Rust, as `helm template` does: Go `text/template`
//! semantics, the Sprig functions charts use, Helm's chart model (dependencies,
//! values coalescing, `--set` paths, schema validation) and Helm's output order.
//!
//! ```no_run
//! use gantry_helm::{render, Chart, RenderOptions, SetValue};
//! let chart = Chart::load("charts/spark-operator")?;
//! let out = render(&chart, &RenderOptions {
//!     release_name: "spark".into(),
//!     namespace: "spark".into(),
//!     set: vec![SetValue::new("controller.replicas", "2")],
//!     ..Default::default()
//! })?;
//! for obj in &out.objects {
//!     println!("{} {}", obj.source, obj.doc["kind"]);
//! }
//! # Ok::<(), gantry_helm::Error>(())
//! ```

pub mod chart;
pub mod error;
pub mod funcs;
pub mod render;
pub mod template;
pub mod value;
mod values;
pub mod yaml;

pub use chart::{Chart, ChartFile, Dependency, Metadata};
pub use error::{Error, ErrorKind, Result};
pub use funcs::Host;
pub use render::{render, user_values, Hook, RenderOptions, Rendered, RenderedObject, SharedHost};
pub use values::strvals::{SetKind, SetValue};
