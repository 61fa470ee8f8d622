//! Instance catalogues, one per cloud: what each instance type offers and costs.
//!
//! A catalogue is plain data with no knowledge of providers, plans or state, so
//! that both the language's functions (`gpu_instance_type`) and the analysis can
//! use it without either depending on the other. Each cloud's figures live in a
//! CSV file next to this one (its header names the sources and the date they are
//! current as of) and are compiled into the binary, so the plan's fit and cost
//! analysis works offline and gives the same answer on every machine. A file is
//! parsed once, on first use. A new cloud is one more entry in [`BUNDLED`]; the
//! analysis finds it by the name a provider's pool description gives.
//!
//! Lookups never panic: a malformed row is skipped and recorded in
//! [`Catalog::load_errors`], which a test keeps empty for the embedded data.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The embedded AWS data file. Rows can be appended without touching code.
const AWS_INSTANCES_CSV: &str = include_str!("aws_instances.csv");

/// The cloud whose catalogue prices a pool that names none.
pub const DEFAULT_CLOUD: &str = "aws";

/// The region the embedded AWS prices are for.
pub const PRICING_REGION: &str = "us-east-1";

/// Hours in an average month (365 × 24 / 12), the convention AWS uses for monthly estimates.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// What spot capacity is assumed to cost on AWS, as a fraction of On-Demand.
///
/// The catalogue has On-Demand prices only, and spot prices move by the hour,
/// so spot costs are an estimate, labelled as such wherever they appear. AWS
/// advertises spot savings of "up to 90%" (https://aws.amazon.com/ec2/spot/pricing/)
/// and its Spot Instance Advisor (https://aws.amazon.com/ec2/spot/instance-advisor/)
/// lists average savings of roughly 50–90% for current general-purpose and
/// GPU families in us-east-1. We assume only 40% off, below the usual range,
/// so that a budget built on the estimate is not overrun when spot is scarce.
pub const SPOT_PRICE_FACTOR: f64 = 0.6;

/// Where [`SPOT_PRICE_FACTOR`] comes from, as shown to users.
pub const SPOT_ESTIMATE_SOURCE: &str =
    "spot estimated at 60% of On-Demand (a conservative reading of the AWS Spot Instance Advisor's 50-90% savings)";

/// A catalogue compiled into the binary.
struct Bundled {
    cloud: &'static str,
    region: &'static str,
    csv: &'static str,
    spot: SpotEstimate,
}

/// Every bundled catalogue. A second cloud adds its data file and a row here.
const BUNDLED: &[Bundled] = &[Bundled {
    cloud: DEFAULT_CLOUD,
    region: PRICING_REGION,
    csv: AWS_INSTANCES_CSV,
    spot: SpotEstimate { factor: SPOT_PRICE_FACTOR, source: SPOT_ESTIMATE_SOURCE },
}];

/// How a cloud's spot (preemptible) price is estimated from its On-Demand price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpotEstimate {
    /// Spot price as a fraction of On-Demand.
    pub factor: f64,
    /// Where the factor comes from, as shown to users.
    pub source: &'static str,
}

impl Default for SpotEstimate {
    fn default() -> Self {
        SpotEstimate { factor: SPOT_PRICE_FACTOR, source: SPOT_ESTIMATE_SOURCE }
    }
}

/// The catalogues of every cloud Gantry knows, by cloud name.
#[derive(Debug, Default)]
pub struct Catalogs {
    by_cloud: BTreeMap<String, Catalog>,
}

impl Catalogs {
    /// The catalogue of one cloud (`"aws"`).
    pub fn get(&self, cloud: &str) -> Option<&Catalog> {
        self.by_cloud.get(cloud)
    }

    /// The catalogue of `cloud`, or of [`DEFAULT_CLOUD`] when `cloud` is empty.
    pub fn for_cloud(&self, cloud: &str) -> Option<&Catalog> {
        self.get(if cloud.is_empty() { DEFAULT_CLOUD } else { cloud })
    }

    /// The cloud names, sorted.
    pub fn clouds(&self) -> impl Iterator<Item = &str> {
        self.by_cloud.keys().map(String::as_str)
    }
}

/// Every bundled catalogue, parsed on first use.
pub fn catalogs() -> &'static Catalogs {
    static CATALOGS: OnceLock<Catalogs> = OnceLock::new();
    CATALOGS.get_or_init(|| Catalogs {
        by_cloud: BUNDLED
            .iter()
            .map(|b| (b.cloud.to_string(), Catalog::from_csv(b.csv).for_cloud(b.cloud, b.region, b.spot)))
            .collect(),
    })
}

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

/// All known instance types of one cloud, in the order of the data file.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    cloud: String,
    region: String,
    spot: SpotEstimate,
    types: Vec<InstanceType>,
    by_name: HashMap<String, usize>,
    errors: Vec<LoadError>,
}

/// The catalogue of the default cloud ([`DEFAULT_CLOUD`]).
pub fn catalog() -> &'static Catalog {
    static EMPTY: OnceLock<Catalog> = OnceLock::new();
    catalogs().get(DEFAULT_CLOUD).unwrap_or_else(|| EMPTY.get_or_init(Catalog::default))
}

impl Catalog {
    /// Names the cloud and region the figures are for, and how spot is estimated there.
    pub fn for_cloud(mut self, cloud: &str, region: &str, spot: SpotEstimate) -> Catalog {
        self.cloud = cloud.to_string();
        self.region = region.to_string();
        self.spot = spot;
        self
    }

    /// The cloud this catalogue describes; empty for one built from bare CSV.
    pub fn cloud(&self) -> &str {
        &self.cloud
    }

    /// The region the prices are for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// How spot prices are estimated in this cloud.
    pub fn spot(&self) -> SpotEstimate {
        self.spot
    }

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
mod tests;
