//! Data sources: `aws_availability_zones` and `aws_ec2_instance_type`.

use crate::util::*;
use crate::Clients;
use aws_sdk_ec2::types::{Filter, InstanceType};
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;

pub async fn availability_zones(c: &Clients, config: &Value) -> Result<Value, ProviderError> {
    let mut req = c.ec2.describe_availability_zones();
    if let Some(state) = s(config, "state") {
        req = req.filters(Filter::builder().name("state").values(state).build());
    }
    let out = req.send().await.map_err(|e| aws_err("DescribeAvailabilityZones", e))?;
    let mut zones: Vec<(String, String)> = out
        .availability_zones()
        .iter()
        .map(|z| (z.zone_name().unwrap_or_default().to_string(), z.zone_id().unwrap_or_default().to_string()))
        .collect();
    zones.sort();
    Ok(obj(vec![
        ("state", vopt(s(config, "state"))),
        ("names", vlist(zones.iter().map(|z| z.0.clone()))),
        ("zone_ids", vlist(zones.iter().map(|z| z.1.clone()))),
        ("id", vs(c.region.clone())),
    ]))
}

pub async fn instance_type(c: &Clients, config: &Value) -> Result<Value, ProviderError> {
    let name = s0(config, "instance_type");
    let out = c
        .ec2
        .describe_instance_types()
        .instance_types(InstanceType::from(name.as_str()))
        .send()
        .await
        .map_err(|e| aws_err("DescribeInstanceTypes", e))?;
    let Some(it) = out.instance_types().first() else {
        return Err(err(
            "Unknown instance type",
            format!("AWS does not know instance type \"{name}\" in region {}", c.region),
        ));
    };
    let num = |x: Option<f64>| x.map(Value::from_f64).unwrap_or(Value::Null);
    let gpus: Vec<Value> = it
        .gpu_info()
        .map(|g| {
            g.gpus()
                .iter()
                .map(|d| {
                    obj(vec![
                        ("name", vopt(d.name())),
                        ("manufacturer", vopt(d.manufacturer())),
                        ("count", num(d.count().map(f64::from))),
                        ("memory_size", num(d.memory_info().and_then(|m| m.size_in_mib()).map(f64::from))),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(obj(vec![
        ("instance_type", vs(&name)),
        ("default_vcpus", num(it.v_cpu_info().and_then(|v| v.default_v_cpus()).map(f64::from))),
        ("memory_size", num(it.memory_info().and_then(|m| m.size_in_mib()).map(|v| v as f64))),
        ("gpus", Value::List(gpus)),
        ("total_gpu_memory", num(it.gpu_info().and_then(|g| g.total_gpu_memory_in_mib()).map(f64::from))),
        ("id", vs(&name)),
    ]))
}
