//! The `gantry` command: parses arguments, calls the engine, renders results.

mod args;
mod views;

use anyhow::{anyhow, Context as _, Result};
use args::{Cli, Command, PlanArgs, StateCommand};
use clap::Parser;
use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::engine::{self, Config, PlanOptions, ResourceAddrPattern, WalkSettings};
use gantry_core::plan::{Action, Plan};
use gantry_core::provider::Registry;
use gantry_core::state::{LocalStore, LockInfo, State, StateError, StateStore};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use views::Style;

fn registry() -> Registry {
    let mut r = Registry::default();
    r.register(gantry_provider_local::LocalFactory::arc());
    r.register(std::sync::Arc::new(
        gantry_provider_kubernetes::KubernetesFactory::new()
            .with_simulator(gantry_provider_local::KubernetesSimulator::arc()),
    ));
    r.register(gantry_provider_aws::AwsFactory::arc());
    r
}

/// Exit codes, as Terraform uses them.
const EXIT_ERROR: u8 = 1;
const EXIT_CHANGES: u8 = 2;
const EXIT_FMT_CHANGES: u8 = 3;

fn main() -> ExitCode {
    let argv = args::normalize(std::env::args());
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    let style =
        Style { color: !cli.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let raw_vars: Vec<String> = argv.clone();
    match runtime.block_on(run(cli.command, &style, &raw_vars)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{} {e:#}", style.bold("Error:"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

async fn run(command: Command, style: &Style, raw: &[String]) -> Result<u8> {
    match command {
        Command::Init(dir) => init(&dir.dir, style),
        Command::Validate { dir, json, .. } => validate(&dir.dir, json, raw, style).await,
        Command::Fmt { dir, check, diff } => fmt(&dir.dir, check, diff),
        Command::Graph(dir) => graph(&dir.dir, style),
        Command::Plan(p) => plan_cmd(p, raw, style).await,
        Command::Apply { plan, auto_approve, parallelism } => {
            apply_cmd(plan, auto_approve, parallelism, false, raw, style).await
        }
        Command::Destroy { plan, auto_approve, parallelism } => {
            apply_cmd(plan, auto_approve, parallelism, true, raw, style).await
        }
        Command::Show { path, json } => show(path, json, style),
        Command::Output { name, json, dir } => output(&dir, name, json),
        Command::State(cmd) => state_cmd(cmd),
        Command::Import { address, id, dir, .. } => import_cmd(&dir, &address, &id, raw, style).await,
        Command::ForceUnlock { id, dir } => {
            let store = store_for(&dir)?;
            store.force_unlock(&id).map_err(|e| anyhow!(e))?;
            println!("Gantry state has been successfully unlocked!");
            Ok(0)
        }
    }
}

fn print_diags(diags: &Diagnostics, sources: &SourceMap, style: &Style) {
    for d in diags.iter() {
        eprintln!("{}", gantry_core::diag::render(d, sources, style.color));
    }
}

/// Loads and checks a configuration; prints diagnostics. `None` when it has errors.
fn load(dir: &Path, registry: &Registry, _style: &Style) -> (Option<Config>, Diagnostics, SourceMap) {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let config = engine::load(dir, registry, &sources, &mut diags);
    (config, diags, sources)
}

fn init(dir: &Path, style: &Style) -> Result<u8> {
    let registry = registry();
    let (config, mut diags, sources) = load(dir, &registry, style);
    diags.sort();
    print_diags(&diags, &sources, style);
    if diags.has_errors() || config.is_none() {
        return Ok(EXIT_ERROR);
    }
    std::fs::create_dir_all(dir.join(".gantry")).context("creating the .gantry folder")?;
    println!("Gantry has been successfully initialized in {}.", dir.display());
    println!("Providers available: {}.", registry.names().collect::<Vec<_>>().join(", "));
    Ok(0)
}

fn settings<'a>(
    registry: &'a Registry,
    dir: &Path,
    inputs: engine::InputValues,
    parallelism: usize,
    hook: &'a dyn engine::Hook,
) -> WalkSettings<'a> {
    WalkSettings { registry, working_dir: dir.to_path_buf(), inputs, parallelism, hook }
}

fn env_vars() -> Vec<(String, String)> {
    std::env::vars().filter(|(k, _)| k.starts_with("GANTRY_VAR_")).collect()
}

async fn validate(dir: &Path, json: bool, raw: &[String], style: &Style) -> Result<u8> {
    let registry = registry();
    let (config, mut diags, sources) = load(dir, &registry, style);
    if let Some(config) = &config {
        {
            // The walk runs even after static errors, so that one run reports every problem it can find.
            let inputs = engine::collect_inputs(config, &env_vars(), &args::ordered_vars(raw), &mut diags);
            let s = settings(&registry, dir, inputs, 10, &engine::NoHook);
            diags.extend(engine::validate(config, &s).await);
        }
    }
    diags.sort();
    let ok = !diags.has_errors();
    if json {
        let out = serde_json::json!({
            "valid": ok,
            "error_count": diags.iter().filter(|d| d.is_error()).count(),
            "warning_count": diags.iter().filter(|d| !d.is_error()).count(),
            "diagnostics": diags.iter().map(|d| gantry_core::diag::to_json(d, &sources)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_diags(&diags, &sources, style);
        if ok {
            println!("{} The configuration is valid.", style.bold("Success!"));
        }
    }
    Ok(if ok { 0 } else { EXIT_ERROR })
}

fn fmt(dir: &Path, check: bool, show_diff: bool) -> Result<u8> {
    let files: Vec<PathBuf> = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "hcl"))
            .collect();
        f.sort();
        f
    };
    let mut changed = false;
    let mut failed = false;
    for path in files {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        match gantry_core::format::format_source(&text) {
            Ok(formatted) if formatted != text => {
                changed = true;
                println!("{}", path.display());
                if show_diff {
                    let diff = similar::TextDiff::from_lines(&text, &formatted);
                    print!("{}", diff.unified_diff().header(&path.display().to_string(), &path.display().to_string()));
                }
                if !check {
                    gantry_core::state::write_atomic(&path, formatted.as_bytes())?;
                }
            }
            Ok(_) => {}
            Err(e) => {
                failed = true;
                eprintln!(
                    "Error: Syntax error: {}\n  --> {}:{}:{}\n\nThe file was left unchanged; fix the syntax and run fmt again.",
                    e.message(),
                    path.display(),
                    e.location().line(),
                    e.location().column()
                );
            }
        }
    }
    Ok(if failed {
        EXIT_ERROR
    } else if check && changed {
        EXIT_FMT_CHANGES
    } else {
        0
    })
}

fn graph(dir: &Path, style: &Style) -> Result<u8> {
    let registry = registry();
    let (config, mut diags, sources) = load(dir, &registry, style);
    diags.sort();
    print_diags(&diags, &sources, style);
    let Some(config) = config.filter(|_| !diags.has_errors()) else { return Ok(EXIT_ERROR) };
    let g = &config.graph.graph;
    let mut out = String::from("digraph gantry {\n  rankdir = \"RL\";\n  node [shape = box];\n");
    for n in g.node_indices() {
        let label = g[n].to_string();
        let shape = match g[n].kind {
            gantry_core::graph::NodeKind::Resource(..) => "box",
            gantry_core::graph::NodeKind::Provider(..) => "diamond",
            _ => "note",
        };
        out.push_str(&format!("  \"{}\" [shape = {shape}];\n", label.replace('"', "\\\"")));
    }
    for e in g.edge_indices() {
        if let Some((a, b)) = g.edge_endpoints(e) {
            out.push_str(&format!(
                "  \"{}\" -> \"{}\";\n",
                g[a].to_string().replace('"', "\\\""),
                g[b].to_string().replace('"', "\\\"")
            ));
        }
    }
    out.push_str("}\n");
    print!("{out}");
    Ok(0)
}

/// The state backend the configuration asks for (local by default).
fn store_for(dir: &Path) -> Result<Box<dyn StateStore>> {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let module = gantry_core::config::load_module(dir, &sources, &mut diags);
    let backend = module.and_then(|m| m.settings).and_then(|s| s.backend);
    match backend {
        None => Ok(Box::new(LocalStore::new(dir.join("gantry.state.json")))),
        Some(b) if b.kind == "local" => {
            let path = b
                .body
                .attribute("path")
                .and_then(|a| gantry_core::eval::eval_constant(&a.expr).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "gantry.state.json".into());
            Ok(Box::new(LocalStore::new(dir.join(path))))
        }
        Some(b) if b.kind == "s3" => {
            let mut attrs = std::collections::BTreeMap::new();
            for a in &b.body.attributes {
                let v = gantry_core::eval::eval_constant(&a.expr)
                    .map_err(|d| anyhow!("backend \"s3\" argument \"{}\": {}", a.name, d.detail))?;
                attrs.insert(a.name.clone(), v.to_json());
            }
            let config = gantry_provider_aws::backend::S3Config::from_attributes(&attrs).map_err(|e| anyhow!(e))?;
            Ok(Box::new(gantry_provider_aws::backend::S3Store::new(config).map_err(|e| anyhow!(e))?))
        }
        Some(b) => Err(anyhow!(
            "the \"{}\" backend is not available in this build; use backend \"local\" (the default)",
            b.kind
        )),
    }
}

/// Holds the state lock for the life of a command.
struct LockGuard<'a> {
    store: &'a dyn StateStore,
    id: String,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.store.unlock(&self.id);
    }
}

async fn lock<'a>(store: &'a dyn StateStore, operation: &str, timeout_secs: u64) -> Result<LockGuard<'a>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout_secs);
    loop {
        match store.lock(LockInfo::new(operation, &store.describe())) {
            Ok(info) => return Ok(LockGuard { store, id: info.id }),
            Err(StateError::Locked(holder)) if std::time::Instant::now() < deadline => {
                let _ = holder;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(StateError::Locked(holder)) => {
                return Err(anyhow!(
                    "Error acquiring the state lock: {holder}\n\nGantry acquires a lock so that two runs cannot write the state at once. Wait for the other run to finish, or, if it died, release the lock with: gantry force-unlock {}",
                    holder.id
                ))
            }
            Err(e) => return Err(anyhow!(e)),
        }
    }
}

fn plan_options(p: &PlanArgs, destroy: bool) -> Result<PlanOptions> {
    Ok(PlanOptions {
        destroy: destroy || p.destroy,
        refresh: p.refresh,
        targets: p.target.iter().map(|t| ResourceAddrPattern::parse(t)).collect::<Result<_, _>>()?,
        replace: p.replace.iter().map(|r| r.parse::<ResourceInstanceAddr>()).collect::<Result<_, _>>()?,
    })
}

async fn make_plan(
    p: &PlanArgs,
    destroy: bool,
    raw: &[String],
    style: &Style,
) -> Result<Option<(Plan, Config, State)>> {
    let registry = registry();
    let dir = &p.dir;
    let (config, mut diags, sources) = load(dir, &registry, style);
    let Some(config) = config.filter(|_| !diags.has_errors()) else {
        diags.sort();
        print_diags(&diags, &sources, style);
        return Ok(None);
    };
    let inputs = engine::collect_inputs(&config, &env_vars(), &args::ordered_vars(raw), &mut diags);
    if diags.has_errors() {
        print_diags(&diags, &sources, style);
        return Ok(None);
    }
    let store = store_for(dir)?;
    let state = store.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
    let s = settings(&registry, dir, inputs, 10, &engine::NoHook);
    let (plan, plan_diags) = engine::plan(&config, &s, &state, plan_options(p, destroy)?).await;
    diags.extend(plan_diags);
    diags.sort();
    print_diags(&diags, &sources, style);
    Ok(plan.map(|p| (p, config, state)))
}

async fn plan_cmd(p: PlanArgs, raw: &[String], style: &Style) -> Result<u8> {
    let store = store_for(&p.dir)?;
    let _lock = lock(store.as_ref(), "plan", p.lock_timeout).await?;
    let Some((plan, _, _)) = make_plan(&p, false, raw, style).await? else { return Ok(EXIT_ERROR) };
    if p.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print!("{}", views::render_plan(&plan, style));
    }
    if let Some(out) = &p.out {
        let bytes = serde_json::to_vec_pretty(&plan)?;
        gantry_core::state::write_atomic(out, &bytes)
            .with_context(|| format!("saving the plan to {}", out.display()))?;
        if !p.json {
            println!(
                "\nSaved the plan to: {}\nTo perform exactly these actions, run: gantry apply {}",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if p.detailed_exitcode && plan.has_changes() { EXIT_CHANGES } else { 0 })
}

/// Prints apply progress the way Terraform does.
struct ProgressHook;

impl engine::Hook for ProgressHook {
    fn pre_apply(&self, addr: &ResourceInstanceAddr, action: Action) {
        let verb = match action {
            Action::Create => "Creating...",
            Action::Update => "Modifying...",
            Action::Delete => "Destroying...",
            _ => "Replacing...",
        };
        println!("{addr}: {verb}");
    }
    fn post_apply(
        &self,
        addr: &ResourceInstanceAddr,
        action: Action,
        error: Option<&str>,
        id: Option<&str>,
        elapsed: std::time::Duration,
    ) {
        if error.is_some() {
            return;
        }
        let verb = match action {
            Action::Create => "Creation",
            Action::Update => "Modifications",
            Action::Delete => "Destruction",
            _ => "Replacement",
        };
        let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
        println!("{addr}: {verb} complete after {:.1}s{id}", elapsed.as_secs_f64());
        let _ = std::io::stdout().flush();
    }
}

async fn apply_cmd(
    p: PlanArgs,
    auto_approve: bool,
    parallelism: usize,
    destroy: bool,
    raw: &[String],
    style: &Style,
) -> Result<u8> {
    let saved_plan = p.dir.is_file();
    let dir = if saved_plan { std::env::current_dir()? } else { p.dir.clone() };
    let store = store_for(&dir)?;
    let _lock = lock(store.as_ref(), if destroy { "destroy" } else { "apply" }, p.lock_timeout).await?;
    let registry = registry();
    let (plan, config) = if saved_plan {
        let bytes = std::fs::read(&p.dir).with_context(|| format!("reading the plan {}", p.dir.display()))?;
        let plan: Plan = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow!("{} is not a Gantry plan file: {e}", p.dir.display()))?;
        let state = store.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
        if state.serial != plan.prior_serial {
            return Err(anyhow!(
                "Saved plan is stale: it was made against state serial {}, but the state is now at serial {}. Something changed the state since; run gantry plan again.",
                plan.prior_serial,
                state.serial
            ));
        }
        if state.serial > 0 && state.lineage != plan.prior_lineage {
            return Err(anyhow!("Saved plan is for a different state: it was made against state lineage {}, but the current state has lineage {}.", plan.prior_lineage, state.lineage));
        }
        let (config, mut diags, sources) = load(&dir, &registry, style);
        diags.sort();
        print_diags(&diags, &sources, style);
        let Some(config) = config.filter(|_| !diags.has_errors()) else { return Ok(EXIT_ERROR) };
        (plan, config)
    } else {
        let Some((plan, config, _)) = make_plan(&p, destroy, raw, style).await? else { return Ok(EXIT_ERROR) };
        print!("{}", views::render_plan(&plan, style));
        if !plan.has_changes() {
            return Ok(0);
        }
        if !auto_approve {
            let question = if destroy {
                "Do you really want to destroy all resources?"
            } else {
                "Do you want to perform these actions?"
            };
            println!(
                "\n{}\n  Gantry will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n",
                style.bold(question)
            );
            print!("  Enter a value: ");
            std::io::stdout().flush()?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            if answer.trim() != "yes" {
                println!("\n{} cancelled.", if destroy { "Destroy" } else { "Apply" });
                return Ok(EXIT_ERROR);
            }
        }
        (plan, config)
    };
    let current_serial = store.read().map_err(|e| anyhow!(e))?.map(|s| s.serial).unwrap_or(0);
    let inputs = plan
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), (gantry_core::value::Value::from_marked_json(v), None)))
        .collect();
    let hook = ProgressHook;
    let s = settings(&registry, &dir, inputs, parallelism, &hook);
    let (state, diags) = engine::apply(&config, &s, &plan, store.as_ref(), current_serial).await;
    print_diags(&diags, &config.sources, style);
    if diags.has_errors() {
        return Ok(EXIT_ERROR);
    }
    let (add, change, destroyed) = plan.counts();
    if plan.destroy {
        println!("\n{} Resources: {destroyed} destroyed.", style.bold("Destroy complete!"));
    } else {
        println!(
            "\n{} Resources: {add} added, {change} changed, {destroyed} destroyed.",
            style.bold("Apply complete!")
        );
        print_outputs(&state);
    }
    Ok(0)
}

async fn import_cmd(dir: &Path, address: &str, id: &str, raw: &[String], style: &Style) -> Result<u8> {
    let addr: ResourceInstanceAddr = address.parse()?;
    let store = store_for(dir)?;
    let _lock = lock(store.as_ref(), "import", 0).await?;
    let registry = registry();
    let (config, mut diags, sources) = load(dir, &registry, style);
    let Some(config) = config.filter(|_| !diags.has_errors()) else {
        diags.sort();
        print_diags(&diags, &sources, style);
        return Ok(EXIT_ERROR);
    };
    let inputs = engine::collect_inputs(&config, &env_vars(), &args::ordered_vars(raw), &mut diags);
    let mut state = store.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
    let s = settings(&registry, dir, inputs, 1, &engine::NoHook);
    let (imported, import_diags) = engine::import(&config, &s, &state, &addr, id).await;
    diags.extend(import_diags);
    print_diags(&diags, &config.sources, style);
    let Some(instance) = imported.filter(|_| !diags.has_errors()) else { return Ok(EXIT_ERROR) };
    state.set(instance);
    state.serial += 1;
    store.write(&state).map_err(|e| anyhow!(e))?;
    println!("{addr}: Import complete.\n\n{} The resource is now managed by Gantry; run gantry plan to compare it with the configuration.", style.bold("Import successful!"));
    Ok(0)
}

fn print_outputs(state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (name, o) in &state.outputs {
        let v = gantry_core::value::Value::from_json(&o.value);
        let shown = if o.sensitive { "<sensitive>".to_string() } else { views::block(&v, 0) };
        println!("{name} = {shown}");
    }
}

fn show(path: Option<PathBuf>, json: bool, style: &Style) -> Result<u8> {
    let path = path.unwrap_or_else(|| PathBuf::from("."));
    if path.is_file() {
        let plan: Plan = serde_json::from_slice(&std::fs::read(&path)?)
            .map_err(|e| anyhow!("{} is not a Gantry plan file: {e}", path.display()))?;
        if json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            print!("{}", views::render_plan(&plan, style));
        }
        return Ok(0);
    }
    let state = store_for(&path)?.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
    if json {
        println!("{}", serde_json::to_string_pretty(&redacted_state(&state))?);
        return Ok(0);
    }
    if state.resources.is_empty() {
        println!("The state is empty.");
    }
    for r in &state.resources {
        println!("# {}:", r.address);
        println!(
            "resource \"{}\" \"{}\" {}\n",
            r.address.resource.type_name,
            r.address.resource.name,
            views::block(&r.value(), 0)
        );
    }
    print_outputs(&state);
    Ok(0)
}

/// State as JSON with sensitive values replaced, for `show -json`.
fn redacted_state(state: &State) -> serde_json::Value {
    let mut s = state.clone();
    for r in &mut s.resources {
        let v = r.value();
        r.attributes = redact(&v);
    }
    for o in s.outputs.values_mut() {
        if o.sensitive {
            o.value = serde_json::Value::String("(sensitive value)".into());
        }
    }
    serde_json::to_value(&s).unwrap_or_default()
}

fn redact(v: &gantry_core::value::Value) -> serde_json::Value {
    use gantry_core::value::Value;
    match v {
        Value::Sensitive(_) => serde_json::Value::String("(sensitive value)".into()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(redact).collect()),
        Value::Object(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), redact(v))).collect()),
        other => other.to_json(),
    }
}

fn output(dir: &Path, name: Option<String>, json: bool) -> Result<u8> {
    let state = store_for(dir)?.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
    match name {
        Some(n) => {
            let Some(o) = state.outputs.get(&n) else {
                eprintln!("Error: Output \"{n}\" not found.\n\nThe state has no output named \"{n}\". Apply the configuration first, or check the name with gantry output.");
                return Ok(EXIT_ERROR);
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&o.value)?);
            } else {
                // Asking for one output by name prints it even when sensitive, as Terraform does.
                let v = gantry_core::value::Value::from_json(&o.value);
                match v.as_str() {
                    Some(s) => println!("{s}"),
                    None => println!("{}", views::block(&v, 0)),
                }
            }
        }
        None => {
            if json {
                let out: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), serde_json::json!({"value": if o.sensitive { serde_json::Value::Null } else { o.value.clone() }, "sensitive": o.sensitive})))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (k, o) in &state.outputs {
                    let v = gantry_core::value::Value::from_json(&o.value);
                    println!("{k} = {}", if o.sensitive { "<sensitive>".into() } else { views::block(&v, 0) });
                }
            }
        }
    }
    Ok(0)
}

fn state_cmd(cmd: StateCommand) -> Result<u8> {
    match cmd {
        StateCommand::List { dir } => {
            let state = store_for(&dir)?.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
            for r in &state.resources {
                println!("{}", r.address);
            }
            Ok(0)
        }
        StateCommand::Show { address, dir } => {
            let state = store_for(&dir)?.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
            let addr: ResourceInstanceAddr = address.parse()?;
            let Some(r) = state.get(&addr) else {
                eprintln!("Error: No instance found for the given address: {addr}");
                return Ok(EXIT_ERROR);
            };
            println!("# {}:", r.address);
            println!(
                "resource \"{}\" \"{}\" {}",
                addr.resource.type_name,
                addr.resource.name,
                views::block(&r.value(), 0)
            );
            Ok(0)
        }
        StateCommand::Rm { addresses, dir } => {
            let store = store_for(&dir)?;
            let _lock = futures_lock(store.as_ref(), "state rm")?;
            let mut state = store.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
            let mut removed = 0;
            for a in &addresses {
                let pattern = ResourceAddrPattern::parse(a)?;
                let matching: Vec<ResourceInstanceAddr> =
                    state.resources.iter().filter(|r| pattern.matches(&r.address)).map(|r| r.address.clone()).collect();
                if matching.is_empty() {
                    eprintln!("Error: No instance found for the given address: {a}");
                    return Ok(EXIT_ERROR);
                }
                for m in matching {
                    state.remove(&m);
                    println!("Removed {m}");
                    removed += 1;
                }
            }
            state.serial += 1;
            store.write(&state).map_err(|e| anyhow!(e))?;
            println!("Successfully removed {removed} resource instance(s).");
            Ok(0)
        }
        StateCommand::Mv { from, to, dir } => {
            let store = store_for(&dir)?;
            let _lock = futures_lock(store.as_ref(), "state mv")?;
            let mut state = store.read().map_err(|e| anyhow!(e))?.unwrap_or_default();
            let from: ResourceInstanceAddr = from.parse()?;
            let to: ResourceInstanceAddr = to.parse()?;
            if from.resource.type_name != to.resource.type_name {
                return Err(anyhow!("cannot move {from} to {to}: the resource types differ"));
            }
            if state.get(&to).is_some() {
                return Err(anyhow!("cannot move to {to}: that address already exists in state"));
            }
            let Some(mut r) = state.remove(&from) else {
                eprintln!("Error: No instance found for the given address: {from}");
                return Ok(EXIT_ERROR);
            };
            r.address = to.clone();
            state.set(r);
            state.serial += 1;
            store.write(&state).map_err(|e| anyhow!(e))?;
            println!("Move \"{from}\" to \"{to}\"\nSuccessfully moved 1 object(s).");
            Ok(0)
        }
    }
}

/// The lock for synchronous state commands, which never wait.
fn futures_lock<'a>(store: &'a dyn StateStore, operation: &str) -> Result<LockGuard<'a>> {
    match store.lock(LockInfo::new(operation, &store.describe())) {
        Ok(info) => Ok(LockGuard { store, id: info.id }),
        Err(StateError::Locked(holder)) => Err(anyhow!("Error acquiring the state lock: {holder}")),
        Err(e) => Err(anyhow!(e)),
    }
}
