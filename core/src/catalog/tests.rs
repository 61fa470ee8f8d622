//! The catalogue's parsing, lookups and bundled data.

use super::*;

#[test]
fn analysis_catalog_embedded_data_parses_cleanly() {
    let c = catalog();
    assert!(c.load_errors().is_empty(), "bad rows: {:?}", c.load_errors());
    assert!(c.all().len() >= 70, "only {} types", c.all().len());
    for t in c.all() {
        assert!(t.vcpus > 0, "{}", t.name);
        assert!(t.memory_gib > 0.0, "{}", t.name);
        assert!(t.on_demand_hourly_usd > 0.0, "{}", t.name);
        assert!(t.name.starts_with(&format!("{}.", t.family)), "{} is not in family {}", t.name, t.family);
        if let Some(g) = &t.gpu {
            assert!(g.count > 0 && g.memory_gib > 0.0, "{}", t.name);
        }
    }
}

#[test]
fn analysis_catalog_has_every_required_family_and_size() {
    let c = catalog();
    let required: &[(&str, &[&str])] = &[
        ("p5", &["48xlarge"]),
        ("p4d", &["24xlarge"]),
        ("p4de", &["24xlarge"]),
        ("p3", &["2xlarge", "8xlarge", "16xlarge"]),
        ("p3dn", &["24xlarge"]),
        ("g6", &["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]),
        ("g5", &["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]),
        ("g4dn", &["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"]),
        ("inf2", &["xlarge", "8xlarge", "24xlarge", "48xlarge"]),
        ("trn1", &["2xlarge", "32xlarge"]),
        ("trn1n", &["32xlarge"]),
        ("m7i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]),
        ("m6i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"]),
        ("c7i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]),
        ("r7i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"]),
    ];
    for (family, sizes) in required {
        for size in *sizes {
            let name = format!("{family}.{size}");
            let t = c.get(&name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(&t.family, family);
        }
    }
}

#[test]
fn analysis_catalog_known_specifications() {
    let c = catalog();
    let p4d = c.get("p4d.24xlarge").expect("p4d.24xlarge");
    assert_eq!(p4d.vcpus, 96);
    assert_eq!(p4d.memory_gib, 1152.0);
    assert_eq!(p4d.gpu, Some(Gpu { model: "nvidia-a100".into(), count: 8, memory_gib: 40.0 }));
    // (name, vcpus, memory GiB, gpu model, gpu count, gpu GiB)
    let table: &[(&str, u32, f64, &str, u32, f64)] = &[
        ("p5.48xlarge", 192, 2048.0, "nvidia-h100", 8, 80.0),
        ("p4de.24xlarge", 96, 1152.0, "nvidia-a100", 8, 80.0),
        ("p3.2xlarge", 8, 61.0, "nvidia-v100", 1, 16.0),
        ("p3dn.24xlarge", 96, 768.0, "nvidia-v100", 8, 32.0),
        ("g6.48xlarge", 192, 768.0, "nvidia-l4", 8, 24.0),
        ("g5.12xlarge", 48, 192.0, "nvidia-a10g", 4, 24.0),
        ("g4dn.metal", 96, 384.0, "nvidia-t4", 8, 16.0),
        ("inf2.48xlarge", 192, 768.0, "aws-inferentia2", 12, 32.0),
        ("trn1.32xlarge", 128, 512.0, "aws-trainium", 16, 32.0),
        ("m7i.48xlarge", 192, 768.0, "", 0, 0.0),
        ("c7i.large", 2, 4.0, "", 0, 0.0),
        ("r7i.48xlarge", 192, 1536.0, "", 0, 0.0),
    ];
    for &(name, vcpus, mem, model, count, gpu_mem) in table {
        let t = c.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!((t.vcpus, t.memory_gib), (vcpus, mem), "{name}");
        match &t.gpu {
            None => assert_eq!(count, 0, "{name}"),
            Some(g) => assert_eq!((g.model.as_str(), g.count, g.memory_gib), (model, count, gpu_mem), "{name}"),
        }
    }
    assert_eq!(c.get("m6i.large").map(|t| t.on_demand_hourly_usd), Some(0.096));
    assert_eq!(c.get("g5.xlarge").map(|t| t.pricing().region), Some("us-east-1"));
    assert!(c.get("P4D.24XLARGE").is_none(), "names are case-sensitive");
}

#[test]
fn analysis_catalog_cheapest_gpu() {
    let c = catalog();
    let cases: &[(&str, u32, Option<&str>)] = &[
        ("a10g", 1, Some("g5.xlarge")),
        ("nvidia-a10g", 4, Some("g5.12xlarge")),
        ("A100", 8, Some("p4d.24xlarge")),
        ("nvidia-h100", 8, Some("p5.48xlarge")),
        ("H100", 1, Some("p5.4xlarge")),
        ("l4", 1, Some("g6.xlarge")),
        ("NVIDIA T4", 8, Some("g4dn.metal")),
        ("v100", 4, Some("p3.8xlarge")),
        ("inferentia2", 1, Some("inf2.xlarge")),
        ("trainium", 16, Some("trn1.32xlarge")),
        // Exact count only: there is no 2-GPU A10G type.
        ("a10g", 2, None),
        ("a100", 1, None),
        ("b200", 8, None),
        ("", 0, None),
    ];
    for &(model, count, expected) in cases {
        assert_eq!(c.cheapest_gpu(model, count).map(|t| t.name.as_str()), expected, "cheapest_gpu({model:?}, {count})");
    }
}

#[test]
fn analysis_catalog_gpu_models_and_suggest() {
    let c = catalog();
    let models = c.gpu_models();
    for m in [
        "aws-inferentia2",
        "aws-trainium",
        "nvidia-a100",
        "nvidia-a10g",
        "nvidia-h100",
        "nvidia-l4",
        "nvidia-t4",
        "nvidia-v100",
    ] {
        assert!(models.contains(&m), "{m} missing from {models:?}");
    }
    assert!(models.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");

    let cases: &[(&str, Option<&str>)] = &[
        ("p4d.24xlarg", Some("p4d.24xlarge")),
        ("p4d.24xlarge", None),
        ("G5.XLARGE", Some("g5.xlarge")),
        ("m7i.larg", Some("m7i.large")),
        ("g5.12xlage", Some("g5.12xlarge")),
        ("completely-wrong", None),
        ("", None),
    ];
    for &(name, expected) in cases {
        assert_eq!(c.suggest(name), expected, "suggest({name:?})");
    }
}

#[test]
fn analysis_catalog_bad_rows_are_reported_not_fatal() {
    let text = "# comment\n\
                instance_type,family,vcpus,memory_gib,gpu_model,gpu_count,gpu_memory_gib,on_demand_usd_per_hour\n\
                ok.large,ok,2,8,,0,0,0.1\n\
                \n\
                bad.large,bad,two,8,,0,0,0.1\n\
                neg.large,neg,2,8,,0,0,-1\n\
                gpu.large,gpu,2,8,nvidia-x,0,16,1\n\
                short.large,short\n\
                ok.large,ok,4,16,,0,0,0.2\n";
    let c = Catalog::from_csv(text);
    assert_eq!(c.all().len(), 1);
    assert_eq!(c.get("ok.large").map(|t| t.vcpus), Some(2));
    assert_eq!(c.load_errors().len(), 5, "{:?}", c.load_errors());
    assert!(c.load_errors()[0].to_string().contains("vcpus"));

    let missing = Catalog::from_csv("name,vcpus\nx,1\n");
    assert!(missing.all().is_empty());
    assert_eq!(missing.load_errors().len(), 1);
    assert!(Catalog::from_csv("").all().is_empty());
}

#[test]
fn analysis_catalog_pricing_and_normalization() {
    let p = catalog().get("p5.48xlarge").map(|t| t.pricing());
    let monthly = p.map(|p| p.on_demand_monthly_usd()).unwrap_or_default();
    assert!((monthly - 55.04 * 730.0).abs() < 1e-6);
    assert_eq!(normalize_gpu_model(" NVIDIA A100 "), "a100");
    assert_eq!(normalize_gpu_model("nvidia-tesla-t4"), "t4");
    assert_eq!(normalize_gpu_model("aws-trainium"), "trainium");
    assert_eq!(catalog().family("trn1").count(), 2);
}
