//! End-to-end tests: the built `gantry` binary run on configurations in temporary folders.

mod support;

mod apply;
mod cli;
