//! The instance catalogue: what each cloud instance type offers and costs.
//!
//! The figures live in `aws_instances.csv` next to this file (its header names
//! the sources and the date they are current as of) and are compiled into the
//! binary, so the plan's fit and cost analysis works offline and gives the same
//! answer on every machine. The file is parsed once, on first use.
//!
//! Lookups never panic: a malformed row is skipped and recorded in
//! [`Catalog::load_errors`], which a test keeps empty for the embedded data.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The embedded data file. Rows can be appended without touching code.
const AWS_INSTANCES_CSV: &str = include_str!("aws_instances.csv");

/// The region the embedded prices are for.
pub const PRICING_REGION: &str = "us-east-1";

/// Hours in an average month (365 × 24 / 12), the convention AWS uses for monthly estimates.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One instance type, e.g. `p4d.24xlarge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceType {
    /// The API name, e.g. `g5.12xlarge`.
    pub name: String,
    /// The family, e.g. `g5`; the part of the name before the dot.
    pub family: String,
    pub vcpus: u32,
    pub memory_gib: f64,
    /// The accelerators, if any (GPUs, or AWS Inferentia/Trainium chips).
    pub gpu: Option<Gpu>,
    /// Linux On-Demand price in [`PRICING_REGION`], USD per hour.
    pub on_demand_hourly_usd: f64,
}

/// The accelerators fitted to an instance type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gpu {
    /// Vendor-prefixed, lower case: `nvidia-a100`, `aws-trainium`.
    pub model: String,
    /// Number of accelerators (chips for Inferentia/Trainium).
    pub count: u32,
    /// Memory of one accelerator, GiB (the nominal figure the vendor publishes).
    pub memory_gib: f64,
}

/// What an instance type costs. Only On-Demand is known today; the struct is
/// `#[non_exhaustive]` so that spot or reserved estimates can be added without
/// breaking callers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Pricing {
    /// The region the prices are for.
    pub region: &'static str,
    /// Linux On-Demand, USD per hour.
    pub on_demand_hourly_usd: f64,
}

impl Pricing {
    /// On-Demand cost of running one instance for an average month.
    pub fn on_demand_monthly_usd(&self) -> f64 {
        self.on_demand_hourly_usd * HOURS_PER_MONTH
    }
}

impl InstanceType {
    /// Prices for this instance type.
    pub fn pricing(&self) -> Pricing {
        Pricing { region: PRICING_REGION, on_demand_hourly_usd: self.on_demand_hourly_usd }
    }

    /// Number of accelerators, 0 when there are none.
    pub fn gpu_count(&self) -> u32 {
        self.gpu.as_ref().map_or(0, |g| g.count)
    }

    /// Memory in bytes (rounded down to a whole byte).
    pub fn memory_bytes(&self) -> u64 {
        gib_to_bytes(self.memory_gib)
    }
}

/// A row of the data file that could not be used, with its line number.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// All known instance types, in the order of the data file.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    types: Vec<InstanceType>,
    by_name: HashMap<String, usize>,
    errors: Vec<LoadError>,
}

/// The catalogue built from the embedded data, parsed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::from_csv(AWS_INSTANCES_CSV))
}

impl Catalog {
    /// Builds a catalogue from CSV text in the format of `aws_instances.csv`:
    /// a header row naming the columns, `#` comment lines and blank lines ignored.
    /// Columns are found by name, so their order does not matter and extra
    /// columns are allowed. Bad rows are skipped and reported by [`Catalog::load_errors`];
    /// a duplicate name keeps the first row.
    pub fn from_csv(text: &str) -> Catalog {
        let mut catalog = Catalog::default();
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let columns = match reader.headers() {
            Ok(h) => Columns::find(h),
            Err(e) => Err(e.to_string()),
        };
        let columns = match columns {
            Ok(c) => c,
            Err(message) => {
                catalog.errors.push(LoadError { line: 1, message });
                return catalog;
            }
        };
        for record in reader.records() {
            let (line, parsed) = match record {
                Ok(r) => (r.position().map_or(0, |p| p.line()), columns.parse(&r)),
                Err(e) => (e.position().map_or(0, |p| p.line()), Err(e.to_string())),
            };
            match parsed {
                Ok(t) if catalog.by_name.contains_key(&t.name) => {
                    catalog.errors.push(LoadError { line, message: format!("duplicate instance type {}", t.name) })
                }
                Ok(t) => {
                    catalog.by_name.insert(t.name.clone(), catalog.types.len());
                    catalog.types.push(t);
                }
                Err(message) => catalog.errors.push(LoadError { line, message }),
            }
        }
        catalog
    }

    /// The instance type with exactly this name (names are case-sensitive, as in AWS).
    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.by_name.get(name).and_then(|&i| self.types.get(i))
    }

    /// Every instance type, in data-file order.
    pub fn all(&self) -> &[InstanceType] {
        &self.types
    }

    /// Every instance type of one family (`"g5"`), in data-file order.
    pub fn family<'a>(&'a self, family: &'a str) -> impl Iterator<Item = &'a InstanceType> + 'a {
        self.types.iter().filter(move |t| t.family == family)
    }

    /// Rows of the data file that were skipped, and why. Empty for the embedded data.
    pub fn load_errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// The cheapest instance type with exactly `count` accelerators of `model`.
    ///
    /// `model` is matched case-insensitively and with or without the vendor
    /// prefix: `"a100"`, `"A100"` and `"nvidia-a100"` are the same model.
    /// The count must match exactly: asking for 2 × A10G does not return a
    /// 4-GPU type, because paying for idle GPUs is a decision the caller should
    /// make explicitly (ask again with a larger count). Ties on price go to the
    /// first name in alphabetical order, so the answer is stable.
    pub fn cheapest_gpu(&self, model: &str, count: u32) -> Option<&InstanceType> {
        let wanted = normalize_gpu_model(model);
        self.types
            .iter()
            .filter(|t| t.gpu.as_ref().is_some_and(|g| g.count == count && normalize_gpu_model(&g.model) == wanted))
            .min_by(|a, b| a.on_demand_hourly_usd.total_cmp(&b.on_demand_hourly_usd).then_with(|| a.name.cmp(&b.name)))
    }

    /// The distinct accelerator models, sorted.
    pub fn gpu_models(&self) -> Vec<&str> {
        let models: BTreeSet<&str> =
            self.types.iter().filter_map(|t| t.gpu.as_ref().map(|g| g.model.as_str())).collect();
        models.into_iter().collect()
    }

    /// The known name closest to `name`, for "did you mean …?" messages.
    ///
    /// Comparison ignores case; `None` when nothing is close enough to be a
    /// plausible typo (edit distance above a third of the name, minimum 2), or
    /// when `name` is itself a known type.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        if self.by_name.contains_key(name) {
            return None;
        }
        let needle = name.trim().to_ascii_lowercase();
        if needle.is_empty() {
            return None;
        }
        let limit = (needle.chars().count() / 3).max(2);
        self.types
            .iter()
            .map(|t| {
                let candidate = t.name.to_ascii_lowercase();
                let distance = strsim::levenshtein(&needle, &candidate);
                let similarity = strsim::jaro_winkler(&needle, &candidate);
                (distance, similarity, t.name.as_str())
            })
            .filter(|(distance, _, _)| *distance <= limit)
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.total_cmp(&a.1)).then_with(|| a.2.cmp(b.2)))
            .map(|(_, _, name)| name)
    }
}

/// Canonical form of an accelerator model for comparison: lower case, without
/// the vendor prefix, spaces and underscores as dashes. `"NVIDIA A100"`,
/// `"nvidia-a100"` and `"a100"` all become `"a100"`.
pub fn normalize_gpu_model(model: &str) -> String {
    let lower = model.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    for prefix in ["nvidia-tesla-", "nvidia-", "tesla-", "aws-", "amazon-"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    lower
}

fn gib_to_bytes(gib: f64) -> u64 {
    // `as` saturates and maps NaN to 0, so this cannot panic on odd data.
    (gib * 1024.0 * 1024.0 * 1024.0) as u64
}

/// Positions of the columns the catalogue needs.
struct Columns {
    name: usize,
    family: usize,
    vcpus: usize,
    memory_gib: usize,
    gpu_model: usize,
    gpu_count: usize,
    gpu_memory_gib: usize,
    price: usize,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> Result<Columns, String> {
        let find = |name: &str| {
            headers.iter().position(|h| h == name).ok_or_else(|| format!("the header has no column {name}"))
        };
        Ok(Columns {
            name: find("instance_type")?,
            family: find("family")?,
            vcpus: find("vcpus")?,
            memory_gib: find("memory_gib")?,
            gpu_model: find("gpu_model")?,
            gpu_count: find("gpu_count")?,
            gpu_memory_gib: find("gpu_memory_gib")?,
            price: find("on_demand_usd_per_hour")?,
        })
    }

    fn parse(&self, r: &csv::StringRecord) -> Result<InstanceType, String> {
        let field = |i: usize, column: &str| r.get(i).ok_or_else(|| format!("the row has no {column} column"));
        let name = field(self.name, "instance_type")?.to_string();
        if name.is_empty() {
            return Err("instance_type is empty".to_string());
        }
        let ctx = |column: &str, e: String| format!("{name}: {column}: {e}");
        let family = field(self.family, "family")?.to_string();
        let vcpus = parse_number::<u32>(field(self.vcpus, "vcpus")?).map_err(|e| ctx("vcpus", e))?;
        let memory_gib = parse_amount(field(self.memory_gib, "memory_gib")?).map_err(|e| ctx("memory_gib", e))?;
        let gpu_model = field(self.gpu_model, "gpu_model")?;
        let gpu_count = parse_number::<u32>(field(self.gpu_count, "gpu_count")?).map_err(|e| ctx("gpu_count", e))?;
        let gpu_memory_gib =
            parse_amount(field(self.gpu_memory_gib, "gpu_memory_gib")?).map_err(|e| ctx("gpu_memory_gib", e))?;
        let on_demand_hourly_usd =
            parse_amount(field(self.price, "on_demand_usd_per_hour")?).map_err(|e| ctx("on_demand_usd_per_hour", e))?;
        let gpu = match (gpu_model.is_empty(), gpu_count) {
            (true, 0) => None,
            (false, 0) => return Err(ctx("gpu_count", format!("is 0 but gpu_model is {gpu_model}"))),
            (true, _) => return Err(ctx("gpu_model", "is empty but gpu_count is not 0".into())),
            (false, count) => Some(Gpu { model: gpu_model.to_string(), count, memory_gib: gpu_memory_gib }),
        };
        Ok(InstanceType { name, family, vcpus, memory_gib, gpu, on_demand_hourly_usd })
    }
}

fn parse_number<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|_| format!("{s:?} is not a whole number"))
}

/// A finite, non-negative decimal.
fn parse_amount(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a non-negative number")),
    }
}

#[cfg(test)]
mod tests {
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
            (
                "m7i",
                &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
            ),
            (
                "m6i",
                &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
            ),
            (
                "c7i",
                &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
            ),
            (
                "r7i",
                &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
            ),
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
            assert_eq!(
                c.cheapest_gpu(model, count).map(|t| t.name.as_str()),
                expected,
                "cheapest_gpu({model:?}, {count})"
            );
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
}
