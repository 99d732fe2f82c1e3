//! The indexer on a thread of its own, woken by the node: after each indexed block (walk the
//! new inventory rows) and whenever Atlas stores a zone file (decode the rows waiting for
//! it). Wake-ups that arrive during a pass are merged into the next one.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::indexer::SubdomainIndexer;
use crate::source::CarrierSource;

enum Event {
    /// New blocks were indexed: walk new rows and re-check every waiting one.
    Blocks,
    /// A zone file with this hash was stored.
    Stored(String),
    /// Finish the current pass and exit.
    Stop,
}

/// A cheap handle that wakes the worker; sending to a stopped worker does nothing.
#[derive(Clone, Debug)]
pub struct Notifier(mpsc::Sender<Event>);

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Blocks => f.write_str("Blocks"),
            Event::Stored(h) => write!(f, "Stored({h})"),
            Event::Stop => f.write_str("Stop"),
        }
    }
}

impl Notifier {
    /// New blocks were indexed.
    pub fn blocks(&self) {
        let _ = self.0.send(Event::Blocks);
    }

    /// The zone file `hash` was stored.
    pub fn stored(&self, hash: &str) {
        let _ = self.0.send(Event::Stored(hash.to_owned()));
    }
}

/// The running worker.
#[derive(Debug)]
pub struct SubdomainWorker {
    notifier: Notifier,
    thread: Option<JoinHandle<()>>,
}

impl SubdomainWorker {
    /// Starts the worker; it makes one pass at once, to catch up with rows added while the
    /// node was down.
    pub fn spawn<S>(mut indexer: SubdomainIndexer, source: Arc<S>) -> std::io::Result<Self>
    where
        S: CarrierSource + Send + Sync + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Event::Blocks);
        let thread = std::thread::Builder::new()
            .name("subdomains".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut events = vec![first];
                    events.extend(rx.try_iter());
                    let stop = events.iter().any(|e| matches!(e, Event::Stop));
                    let walk = events.iter().any(|e| matches!(e, Event::Blocks));
                    let stored: Vec<String> = events
                        .into_iter()
                        .filter_map(|e| match e {
                            Event::Stored(h) => Some(h),
                            _ => None,
                        })
                        .collect();
                    let result = if walk {
                        indexer.index(source.as_ref())
                    } else if !stored.is_empty() {
                        indexer.index_arrivals(source.as_ref(), &stored)
                    } else {
                        Ok(Default::default())
                    };
                    match result {
                        Ok(report) if report.records_stored > 0 || report.rows_walked > 0 => {
                            tracing::info!(
                                rows = report.rows_walked,
                                zonefiles = report.zonefiles_decoded,
                                records = report.records_stored,
                                subdomains = report.subdomains_evaluated,
                                "subdomains indexed"
                            );
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "subdomain indexing failed; retrying at the next block"),
                    }
                    if stop {
                        return;
                    }
                }
            })?;
        Ok(Self {
            notifier: Notifier(tx),
            thread: Some(thread),
        })
    }

    /// A handle that wakes the worker.
    pub fn notifier(&self) -> Notifier {
        self.notifier.clone()
    }

    /// Lets the current pass finish and waits for the thread (dropping the worker does the
    /// same).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for SubdomainWorker {
    fn drop(&mut self) {
        let _ = self.notifier.0.send(Event::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
