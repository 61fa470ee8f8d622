//! The live view on a terminal: a spinner line per change in flight, with its
//! elapsed time, kept under the lines of the changes already complete, and a
//! count of the apply's progress at the bottom.

use super::words;
use crate::views::Style;
use gantry_core::plan::Action;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub struct Live {
    style: Style,
    multi: MultiProgress,
    count: ProgressBar,
    running: AtomicUsize,
}

impl Live {
    pub fn new(style: Style, total: usize) -> Live {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let count = multi.add(ProgressBar::new(total as u64));
        count.set_style(
            ProgressStyle::with_template("{pos}/{len} changes applied, {msg}").unwrap_or(ProgressStyle::default_bar()),
        );
        count.set_message("0 in progress");
        Live { style, multi, count, running: AtomicUsize::new(0) }
    }

    fn spinner_style() -> ProgressStyle {
        ProgressStyle::with_template("{spinner} {msg}").unwrap_or(ProgressStyle::default_spinner())
    }

    fn in_progress(&self) {
        let n = self.running.load(Ordering::Relaxed);
        self.count.set_message(format!("{n} in progress"));
    }

    pub fn start(&self, addr: &str, action: Action) -> ProgressBar {
        let bar = self.multi.insert_before(&self.count, ProgressBar::new_spinner());
        bar.set_style(Self::spinner_style());
        bar.set_message(format!("{} [0s elapsed]", words::started(addr, action)));
        bar.enable_steady_tick(Duration::from_millis(120));
        self.running.fetch_add(1, Ordering::Relaxed);
        self.in_progress();
        bar
    }

    pub fn refresh(&self, bar: Option<&ProgressBar>, addr: &str, action: Action, so_far: Duration) {
        if let Some(bar) = bar {
            bar.set_message(format!("{} [{} elapsed]", words::started(addr, action), words::elapsed(so_far)));
        }
    }

    pub fn complete(
        &self,
        bar: Option<ProgressBar>,
        addr: &str,
        action: Action,
        elapsed: Duration,
        id: Option<&str>,
        failed: bool,
    ) {
        if let Some(bar) = bar {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.running.fetch_sub(1, Ordering::Relaxed);
        let line = if failed {
            format!("{addr}: {} failed after {}", words::doing(action), words::elapsed(elapsed))
        } else {
            self.style.bold(&words::completed(addr, action, elapsed, id))
        };
        let _ = self.multi.println(line);
        self.count.inc(1);
        self.in_progress();
    }

    /// Takes the view off the screen, leaving the completed lines.
    pub fn finish(&self) {
        self.count.finish_and_clear();
        let _ = self.multi.clear();
    }
}
