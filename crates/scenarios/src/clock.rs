//! The block clock: scenarios run concurrently on one chain and a block is mined only when
//! every running scenario waits for one.
//!
//! A scenario holds a [`Ticket`] and calls [`Ticket::advance`] with the number of blocks it
//! needs. When all tickets are waiting, the driver sends the bank's queued payments, mines as
//! many blocks as the most impatient waiter needs, waits until the node has indexed them, and
//! wakes every waiter whose count is reached. A ticket dropped (scenario finished, failed or
//! panicked) no longer holds the clock back.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::error::WorldError;
use crate::world::World;

enum Msg {
    Arrive {
        id: usize,
        blocks: u64,
        done: oneshot::Sender<Result<u64, String>>,
    },
    Leave {
        id: usize,
    },
}

/// A scenario's place at the clock.
pub struct Ticket {
    id: usize,
    tx: mpsc::UnboundedSender<Msg>,
}

impl Ticket {
    /// Waits until `blocks` more blocks are mined and indexed; returns the new height.
    pub async fn advance(&self, blocks: u64) -> Result<u64, String> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Arrive {
                id: self.id,
                blocks: blocks.max(1),
                done,
            })
            .map_err(|_| "the block clock has stopped".to_owned())?;
        wait.await
            .map_err(|_| "the block clock has stopped".to_owned())?
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Leave { id: self.id });
    }
}

/// The clock of one world: hand out tickets first, then [`Clock::drive`] it.
pub struct Clock {
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    members: HashSet<usize>,
}

impl Default for Clock {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Clock {
            tx,
            rx,
            members: HashSet::new(),
        }
    }
}

impl Clock {
    /// A ticket for one more participant.
    pub fn ticket(&mut self) -> Ticket {
        let id = self.members.len();
        self.members.insert(id);
        Ticket {
            id,
            tx: self.tx.clone(),
        }
    }

    /// Mines blocks for the participants until every ticket is dropped. Returns the blocks
    /// mined, or the first error of the world (after which every waiter gets an error).
    pub async fn drive(mut self, world: Arc<World>) -> Result<u64, WorldError> {
        drop(self.tx);
        let mut waiting: HashMap<usize, (u64, oneshot::Sender<Result<u64, String>>)> =
            HashMap::new();
        let mut mined = 0;
        let mut broken: Option<String> = None;
        while !self.members.is_empty() {
            let Some(msg) = self.rx.recv().await else {
                break;
            };
            match msg {
                Msg::Arrive { id, blocks, done } => {
                    if let Some(reason) = &broken {
                        let _ = done.send(Err(reason.clone()));
                        continue;
                    }
                    waiting.insert(id, (blocks, done));
                }
                Msg::Leave { id } => {
                    self.members.remove(&id);
                    waiting.remove(&id);
                }
            }
            if self.members.is_empty() || waiting.len() < self.members.len() {
                continue;
            }
            let step = waiting.values().map(|(n, _)| *n).min().unwrap_or(1);
            let result = async {
                world.settle_payments().await?;
                world.mine(step).await
            }
            .await;
            match result {
                Ok(height) => {
                    mined += step;
                    let ready: Vec<usize> = waiting
                        .iter_mut()
                        .filter_map(|(id, (left, _))| {
                            *left -= step;
                            (*left == 0).then_some(*id)
                        })
                        .collect();
                    for id in ready {
                        if let Some((_, done)) = waiting.remove(&id) {
                            let _ = done.send(Ok(height));
                        }
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    for (_, (_, done)) in waiting.drain() {
                        let _ = done.send(Err(reason.clone()));
                    }
                    broken = Some(reason);
                }
            }
        }
        match broken {
            Some(reason) => Err(WorldError::Chain(reason)),
            None => Ok(mined),
        }
    }
}
