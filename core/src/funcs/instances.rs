//! Gantry's own functions over the instance catalogue, so that a module can turn
//! "8 × A100" into an instance type for any target without a table of its own.

use super::{arg_int, arg_str, echo, spec, FResult, FuncContext, FuncError, Spec};
use crate::catalog::catalog;
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[spec("gpu_instance_type", 2, Some(2), gpu_instance_type)];

/// The cheapest on-demand type with exactly `count` GPUs of `model` (the same
/// choice `local_node_pool`'s `gpu` block makes), so that a pool described by its
/// GPUs lands on the same hardware on every target.
fn gpu_instance_type(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let model = arg_str(args, 0, "model")?;
    let count = arg_int(args, 1, "count")?;
    let found = u32::try_from(count).ok().and_then(|c| catalog().cheapest_gpu(&model, c));
    match found {
        Some(t) => Ok(Value::string(t.name.clone())),
        None => Err(FuncError::new(format!(
            "no instance type in the catalogue has exactly {} × {}; GPU models: {}",
            echo(count),
            echo(&model),
            catalog().gpu_models().join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn picks_the_cheapest_type_with_exactly_the_gpus() {
        assert_eq!(call_ok("gpu_instance_type", vec![s("a100"), n(8.0)]), s("p4d.24xlarge"));
        assert_eq!(call_ok("gpu_instance_type", vec![s("l4"), n(1.0)]), s("g6.xlarge"));
        assert_eq!(call_ok("gpu_instance_type", vec![s("A10G"), n(4.0)]), s("g5.12xlarge"));
    }

    #[test]
    fn an_impossible_request_names_the_models() {
        let e = call_err("gpu_instance_type", vec![s("a100"), n(3.0)]);
        assert!(e.message.contains("exactly 3 × a100") && e.message.contains("h100"), "{}", e.message);
    }
}
