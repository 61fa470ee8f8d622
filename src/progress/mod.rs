//! What apply shows while it works. Three displays share one bookkeeping of the
//! changes in flight:
//! - lines (stdout is not a terminal, as in CI): Terraform's lines, with a
//!   `Still creating... [10s elapsed]` line every interval for each slow change;
//! - live (stdout is a terminal): a spinner per change in flight with its elapsed
//!   time, and a count of what is done, under the lines of changes completed;
//! - json (`apply -json`): Terraform's machine-readable UI events, one per line.
//!
//! A ticker thread repeats the periodic lines and refreshes the live view; it stops
//! when the display is dropped, which happens before the apply's summary is printed.

mod json;
mod live;
pub mod words;

pub use json::JsonEvents;

use crate::views::Style;
use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::plan::Action;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How often a change still running is reported: Terraform's 10 seconds, unless
/// `GANTRY_PROGRESS_INTERVAL` (a duration: `30s`, `1m`) says otherwise.
pub fn interval_from_env() -> Duration {
    std::env::var("GANTRY_PROGRESS_INTERVAL")
        .ok()
        .and_then(|v| crate::args::parse_duration(&v).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(10))
}

pub enum Mode {
    Lines,
    Live,
    Json,
}

/// Lines for a pipe, the live view for a terminal.
pub fn mode_for_stdout() -> Mode {
    use std::io::IsTerminal;
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if std::io::stdout().is_terminal() && !dumb {
        Mode::Live
    } else {
        Mode::Lines
    }
}

struct Running {
    action: Action,
    started: Instant,
    /// How many periodic reports this change has had.
    reported: u32,
    bar: Option<indicatif::ProgressBar>,
}

struct Shared {
    display: Display,
    interval: Duration,
    running: Mutex<BTreeMap<ResourceInstanceAddr, Running>>,
    stopped: Mutex<bool>,
    wake: Condvar,
}

enum Display {
    Lines(Style),
    Live(live::Live),
    Json(JsonEvents),
}

/// The apply display; implements the engine's progress hook.
pub struct Progress {
    shared: Arc<Shared>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// `total` is how many changes the apply will make, for the live view's count.
    pub fn new(mode: Mode, style: &Style, total: usize, interval: Duration) -> Progress {
        let display = match mode {
            Mode::Lines => Display::Lines(style.clone()),
            Mode::Live => Display::Live(live::Live::new(style.clone(), total)),
            Mode::Json => Display::Json(JsonEvents),
        };
        let shared = Arc::new(Shared {
            display,
            interval,
            running: Mutex::new(BTreeMap::new()),
            stopped: Mutex::new(false),
            wake: Condvar::new(),
        });
        let ticking = shared.clone();
        let ticker = std::thread::Builder::new().name("progress".into()).spawn(move || tick(&ticking)).ok();
        Progress { shared, ticker }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        *self.shared.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Display::Live(live) = &self.shared.display {
            live.finish();
        }
    }
}

/// Wakes every second (or each interval, if shorter) until the display is dropped.
fn tick(shared: &Shared) {
    let step = shared.interval.min(Duration::from_secs(1));
    let mut stopped = shared.stopped.lock().unwrap_or_else(|e| e.into_inner());
    while !*stopped {
        stopped = shared.wake.wait_timeout(stopped, step).unwrap_or_else(|e| e.into_inner()).0;
        if *stopped {
            break;
        }
        let mut running = shared.running.lock().unwrap_or_else(|e| e.into_inner());
        for (addr, r) in running.iter_mut() {
            let so_far = r.started.elapsed();
            if let Display::Live(live) = &shared.display {
                live.refresh(r.bar.as_ref(), &addr.to_string(), r.action, so_far);
            }
            let due = shared.interval * (r.reported + 1);
            if so_far < due {
                continue;
            }
            r.reported += 1;
            match &shared.display {
                Display::Lines(style) => {
                    println!("{}", style.bold(&words::still(&addr.to_string(), r.action, due)));
                    flush();
                }
                Display::Json(events) => events.progress(addr, r.action, due),
                Display::Live(_) => {}
            }
        }
    }
}

fn flush() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

impl gantry_core::engine::Hook for Progress {
    fn pre_apply(&self, addr: &ResourceInstanceAddr, action: Action) {
        let name = addr.to_string();
        let bar = match &self.shared.display {
            Display::Lines(style) => {
                println!("{}", style.bold(&words::started(&name, action)));
                flush();
                None
            }
            Display::Json(events) => {
                events.start(addr, action);
                None
            }
            Display::Live(live) => Some(live.start(&name, action)),
        };
        let running = Running { action, started: Instant::now(), reported: 0, bar };
        self.shared.running.lock().unwrap_or_else(|e| e.into_inner()).insert(addr.clone(), running);
    }

    fn post_apply(
        &self,
        addr: &ResourceInstanceAddr,
        action: Action,
        error: Option<&str>,
        id: Option<&str>,
        elapsed: Duration,
    ) {
        let running = self.shared.running.lock().unwrap_or_else(|e| e.into_inner()).remove(addr);
        let bar = running.and_then(|r| r.bar);
        match &self.shared.display {
            // A failure is told by the diagnostics printed after the apply, as in Terraform.
            Display::Lines(_) if error.is_some() => {}
            Display::Lines(style) => {
                println!("{}", style.bold(&words::completed(&addr.to_string(), action, elapsed, id)));
                flush();
            }
            Display::Json(events) => match error {
                Some(_) => events.errored(addr, action, elapsed),
                None => events.complete(addr, action, elapsed, id),
            },
            Display::Live(live) => live.complete(bar, &addr.to_string(), action, elapsed, id, error.is_some()),
        }
    }
}
