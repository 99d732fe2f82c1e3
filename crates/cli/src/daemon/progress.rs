//! Catch-up progress: a bar on a terminal, periodic log lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use blockstack_indexer::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Reports indexing progress.
pub struct Reporter {
    bar: Option<ProgressBar>,
    last_log: Instant,
    start: Option<u64>,
}

impl Reporter {
    /// A bar when `interactive` and stderr is a terminal; log lines otherwise.
    pub fn new(interactive: bool) -> Self {
        let bar = (interactive && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{spinner} block {msg} [{bar:40}] {pos}/{len} blocks, {per_sec}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        Self {
            bar,
            last_log: Instant::now(),
            start: None,
        }
    }

    /// Records that `p.height` was committed.
    pub fn update(&mut self, p: Progress) {
        let start = *self.start.get_or_insert(p.height);
        let done = p.height + 1 - start;
        let total = p.target + 1 - start;
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message(p.height.to_string());
            }
            None => {
                if self.last_log.elapsed() >= Duration::from_secs(10) || p.height == p.target {
                    tracing::info!(
                        height = p.height,
                        target = p.target,
                        remaining = p.target - p.height,
                        "indexed"
                    );
                    self.last_log = Instant::now();
                }
            }
        }
    }

    /// Ends one catch-up.
    pub fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.start = None;
    }
}
