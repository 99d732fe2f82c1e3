//! The registrar: accepts name work, persists it, and drives each name through its stages
//! (cli-wallet.md §c.3): preorder → register → (update) → zonefile replication → (transfer).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use blockstack_consensus::hash::value_hash_hex;
use tokio::sync::watch;

use crate::actions::{ActionError, Actions, Planned, RegisterRequest, RenewRequest};
use crate::queue::{Job, JobData, Queue, QueueError, Stage};

/// How often the run loop looks at the chain's tip.
const TIP_CHECK: Duration = Duration::from_secs(2);

/// Confirmation counts and timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Confirmations of a preorder before its registration is sent.
    pub preorder_confirmations: u32,
    /// The same, for "unsafe" registrations.
    pub unsafe_preorder_confirmations: u32,
    /// Confirmations of every other step before the next one.
    pub confirmations: u32,
    /// The same, for "unsafe" registrations.
    pub unsafe_confirmations: u32,
    /// A preorder whose registration cannot be sent once it has more confirmations than this
    /// is dropped (preorders expire after 144 blocks on chain).
    pub preorder_max_confirmations: u32,
    /// Time between two passes over the queue when nothing fails.
    pub poll_interval: Duration,
}

impl Default for RegistrarConfig {
    /// The original's constants: 10 confirmations per step (4 and 1 when unsafe), 130 blocks
    /// for a preorder, a pass every 300 s.
    fn default() -> Self {
        RegistrarConfig {
            preorder_confirmations: 10,
            unsafe_preorder_confirmations: 4,
            confirmations: 10,
            unsafe_confirmations: 1,
            preorder_max_confirmations: 130,
            poll_interval: Duration::from_secs(300),
        }
    }
}

impl RegistrarConfig {
    /// One confirmation per step and a pass every second: for the devnet and tests.
    pub fn test_mode() -> Self {
        RegistrarConfig {
            preorder_confirmations: 1,
            unsafe_preorder_confirmations: 1,
            confirmations: 1,
            unsafe_confirmations: 1,
            poll_interval: Duration::from_secs(1),
            ..RegistrarConfig::default()
        }
    }

    fn needed(&self, job: &Job) -> u32 {
        match (job.stage, job.data.unsafe_reg) {
            (Stage::Preorder, false) => self.preorder_confirmations,
            (Stage::Preorder, true) => self.unsafe_preorder_confirmations,
            (_, false) => self.confirmations,
            (_, true) => self.unsafe_confirmations,
        }
    }
}

/// Why a submission was not queued.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// A check failed or the chain refused the transaction; nothing was sent.
    #[error("{0}")]
    Refused(String),
    /// A backend could not be reached; nothing was sent.
    #[error("{0}")]
    Unavailable(String),
    /// The queue refused or failed (e.g. "Already in queue.").
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<ActionError> for SubmitError {
    fn from(err: ActionError) -> Self {
        match err {
            ActionError::Refused(msg) => SubmitError::Refused(msg),
            ActionError::Unavailable(msg) => SubmitError::Unavailable(msg),
        }
    }
}

/// A queued submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The txid of its first transaction.
    pub txid: String,
    /// The zonefile hash it commits to, if any.
    pub zonefile_hash: Option<String>,
    /// A problem met while sending (the registrar keeps trying).
    pub warning: Option<String>,
}

/// What one pass over the queue did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Rows that moved to their next stage or were finished.
    pub advanced: usize,
    /// Rows waiting for confirmations or for the node.
    pub waiting: usize,
    /// Rows whose step failed (the error is recorded on the row).
    pub failed: usize,
}

/// The registrar over a queue and the outside world.
pub struct Registrar<A> {
    queue: Queue,
    actions: A,
    config: RegistrarConfig,
}

enum Outcome {
    Advanced,
    Waiting,
}

impl<A: Actions> Registrar<A> {
    /// A registrar over `queue`, resuming whatever work it holds.
    pub fn new(queue: Queue, actions: A, config: RegistrarConfig) -> Self {
        Registrar {
            queue,
            actions,
            config,
        }
    }

    /// Its queue.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Its actions.
    pub fn actions(&self) -> &A {
        &self.actions
    }

    /// Its configuration.
    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// Queues a registration: checks, builds and sends its NAME_PREORDER.
    pub async fn register(&self, request: RegisterRequest) -> Result<Submitted, SubmitError> {
        self.refuse_if_queued(&request.name, &[Stage::Preorder, Stage::Register])?;
        let built = self.actions.build(Planned::Preorder(&request)).await?;
        let mut data = built.data;
        data.transfer_address.clone_from(&request.transfer_address);
        data.unsafe_reg = request.unsafe_reg;
        set_zonefile(&mut data, request.zonefile.as_deref());
        let job = new_job(&request.name, Stage::Preorder, built.tx, data);
        self.send_new(job).await
    }

    /// Queues a NAME_UPDATE to `zonefile`'s hash (replicating it once confirmed), or to a bare
    /// `zonefile_hash`.
    pub async fn update(
        &self,
        name: &str,
        zonefile: Option<Vec<u8>>,
        zonefile_hash: Option<String>,
    ) -> Result<Submitted, SubmitError> {
        self.refuse_if_queued(name, &[Stage::Update])?;
        let hash = match (&zonefile, zonefile_hash) {
            (Some(bytes), _) => value_hash_hex(bytes),
            (None, Some(hash)) => hash,
            (None, None) => return Err(SubmitError::Refused("No zonefile or hash given".into())),
        };
        let built = self
            .actions
            .build(Planned::Update {
                name,
                zonefile_hash: &hash,
            })
            .await?;
        let mut data = built.data;
        set_zonefile(&mut data, zonefile.as_deref());
        data.zonefile_hash = Some(hash);
        self.send_new(new_job(name, Stage::Update, built.tx, data))
            .await
    }

    /// Queues a NAME_TRANSFER (keeping the zonefile).
    pub async fn transfer(&self, name: &str, recipient: &str) -> Result<Submitted, SubmitError> {
        self.refuse_if_queued(name, &[Stage::Transfer])?;
        let built = self
            .actions
            .build(Planned::Transfer { name, recipient })
            .await?;
        let mut data = built.data;
        data.transfer_address = Some(recipient.to_string());
        self.send_new(new_job(name, Stage::Transfer, built.tx, data))
            .await
    }

    /// Queues a NAME_RENEWAL.
    pub async fn renew(&self, request: RenewRequest) -> Result<Submitted, SubmitError> {
        self.refuse_if_queued(&request.name, &[Stage::Renew])?;
        let built = self.actions.build(Planned::Renew(&request)).await?;
        let mut data = built.data;
        set_zonefile(&mut data, request.zonefile.as_deref());
        self.send_new(new_job(&request.name, Stage::Renew, built.tx, data))
            .await
    }

    /// Queues a NAME_REVOKE.
    pub async fn revoke(&self, name: &str) -> Result<Submitted, SubmitError> {
        self.refuse_if_queued(name, &[Stage::Revoke])?;
        let built = self.actions.build(Planned::Revoke { name }).await?;
        self.send_new(new_job(name, Stage::Revoke, built.tx, built.data))
            .await
    }

    fn refuse_if_queued(&self, name: &str, stages: &[Stage]) -> Result<(), SubmitError> {
        if self
            .queue
            .jobs_of(name)?
            .iter()
            .any(|job| stages.contains(&job.stage))
        {
            return Err(QueueError::AlreadyQueued.into());
        }
        Ok(())
    }

    /// Persists a new row, then broadcasts its transaction. A refusal by the chain removes the
    /// row again (nothing was spent); an unreachable backend leaves it for the next pass.
    async fn send_new(&self, job: Job) -> Result<Submitted, SubmitError> {
        self.queue.insert(&job)?;
        let submitted = |warning| Submitted {
            txid: job.tx.txid.clone(),
            zonefile_hash: job.data.zonefile_hash.clone(),
            warning,
        };
        match self.actions.broadcast(&job.tx).await {
            Ok(()) => {
                self.queue.mark_broadcast(&job.name, job.stage)?;
                Ok(submitted(None))
            }
            Err(ActionError::Refused(msg)) => {
                self.queue.remove(&job.name, job.stage)?;
                Err(SubmitError::Refused(msg))
            }
            Err(ActionError::Unavailable(msg)) => {
                self.queue.add_error(&job.name, job.stage, &msg)?;
                Ok(submitted(Some(msg)))
            }
        }
    }

    /// One pass over every row, in pipeline order.
    pub async fn pass(&self) -> Result<PassReport, QueueError> {
        let mut report = PassReport::default();
        for job in self.queue.all()? {
            match self.drive(&job).await {
                Ok(Outcome::Advanced) => report.advanced += 1,
                Ok(Outcome::Waiting) => report.waiting += 1,
                Err(StepError::Queue(err)) => return Err(err),
                Err(StepError::Action(err)) => {
                    tracing::warn!(name = %job.name, stage = %job.stage, "{err}");
                    self.queue
                        .add_error(&job.name, job.stage, &err.to_string())?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Runs passes until `shutdown` turns true: one whenever the chain's tip moves, and
    /// otherwise every poll interval. After a failing pass the next one comes after 1 s, then
    /// 2–3 times longer each time, up to the poll interval.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let cap = self.config.poll_interval;
        let tick = cap.min(TIP_CHECK);
        let mut failing: Option<Duration> = None;
        let mut last_tip = None;
        let mut next_pass = Instant::now();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let tip = self.actions.block_height().await.ok();
            let moved = tip.is_some() && tip != last_tip;
            if moved || Instant::now() >= next_pass {
                last_tip = tip;
                let clean = match self.pass().await {
                    Ok(report) => report.failed == 0,
                    Err(err) => {
                        tracing::error!("registrar queue: {err}");
                        false
                    }
                };
                failing = if clean {
                    None
                } else {
                    Some(failing.map_or(Duration::from_secs(1).min(cap), |d| backoff(d, cap)))
                };
                next_pass = Instant::now() + failing.unwrap_or(cap);
            }
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn drive(&self, job: &Job) -> Result<Outcome, StepError> {
        let confirmations = match self.actions.confirmations(&job.tx.txid).await? {
            None => {
                // The chain does not have it (never sent, or dropped): send the recorded
                // transaction again, never a new one.
                self.actions.broadcast(&job.tx).await?;
                self.queue.mark_broadcast(&job.name, job.stage)?;
                return Ok(Outcome::Waiting);
            }
            Some(n) => n,
        };
        if !job.tx.broadcast {
            self.queue.mark_broadcast(&job.name, job.stage)?;
        }
        if job.stage == Stage::Preorder && confirmations > self.config.preorder_max_confirmations {
            // As the original's loop: the registration is tried first (a registrar that was
            // down may find its preorder this old), and the preorder is cleared if it fails.
            match self.after_preorder(job).await {
                Ok(outcome) => return Ok(outcome),
                Err(err) => {
                    tracing::warn!(name = %job.name, error = %err, "dropping a preorder that was never registered");
                    self.queue.remove(&job.name, job.stage)?;
                    return Ok(Outcome::Advanced);
                }
            }
        }
        if confirmations < self.config.needed(job) {
            return Ok(Outcome::Waiting);
        }
        match job.stage {
            Stage::Preorder => self.after_preorder(job).await,
            Stage::Register if !job.data.is_regup && job.data.zonefile_hash.is_some() => {
                let hash = job.data.zonefile_hash.clone().unwrap_or_default();
                let built = self
                    .actions
                    .build(Planned::Update {
                        name: &job.name,
                        zonefile_hash: &hash,
                    })
                    .await?;
                self.advance(job, Stage::Update, built.tx, job.data.clone())
                    .await
            }
            Stage::Register | Stage::Update | Stage::Renew => self.finish(job).await,
            Stage::Transfer | Stage::Revoke => {
                self.queue.remove(&job.name, job.stage)?;
                Ok(Outcome::Advanced)
            }
        }
    }

    async fn after_preorder(&self, job: &Job) -> Result<Outcome, StepError> {
        if self.actions.name_status(&job.name).await?.registered {
            tracing::warn!(name = %job.name, "already registered; dropping its preorder");
            self.queue.remove(&job.name, job.stage)?;
            return Ok(Outcome::Advanced);
        }
        // The registration must come from the keys that made the preorder (its hash commits
        // to the owner, and the chain matches the payer); a daemon restarted with another
        // wallet cannot finish it.
        let (payment, owner) = self.actions.wallet_addresses();
        if job.data.payment_address != payment || job.data.owner_address != owner {
            return Err(ActionError::Refused(format!(
                "{} was preordered by payment address {} for owner {}, not by this wallet ({payment}, {owner})",
                job.name, job.data.payment_address, job.data.owner_address
            ))
            .into());
        }
        let built = self.actions.build(Planned::Register(job)).await?;
        let mut data = job.data.clone();
        data.is_regup = built.data.is_regup;
        if built.data.owner_script.is_some() {
            data.owner_script = built.data.owner_script;
        }
        self.advance(job, Stage::Register, built.tx, data).await
    }

    /// Replicates the zonefile of a confirmed row once the node shows its hash, then transfers
    /// the name if asked to, or finishes.
    async fn finish(&self, job: &Job) -> Result<Outcome, StepError> {
        let mut data = job.data.clone();
        let status = if data.zonefile_b64.is_some() || data.transfer_address.is_some() {
            Some(self.actions.name_status(&job.name).await?)
        } else {
            None
        };
        if let (Some(zonefile), false) = (&data.zonefile_b64, data.replicated_zonefile) {
            let on_chain = status.as_ref().and_then(|s| s.value_hash.as_deref());
            if on_chain != data.zonefile_hash.as_deref() {
                return Err(
                    ActionError::Unavailable("Zonefile hash not yet replicated".into()).into(),
                );
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(zonefile)
                .map_err(|e| QueueError::Corrupt(format!("{}: zonefile: {e}", job.name)))?;
            self.actions.push_zonefile(&bytes).await?;
            data.replicated_zonefile = true;
            self.queue.set_data(&job.name, job.stage, &data)?;
        }
        let transfer_to = match (job.stage, &data.transfer_address) {
            (Stage::Register | Stage::Update, Some(to)) => Some(to.clone()),
            _ => None,
        };
        match transfer_to {
            Some(to) if status.and_then(|s| s.owner_address).as_deref() != Some(to.as_str()) => {
                let built = self
                    .actions
                    .build(Planned::Transfer {
                        name: &job.name,
                        recipient: &to,
                    })
                    .await?;
                self.advance(job, Stage::Transfer, built.tx, data).await
            }
            _ => {
                self.queue.remove(&job.name, job.stage)?;
                Ok(Outcome::Advanced)
            }
        }
    }

    /// Records the next stage with its transaction (retiring the current one), then sends it.
    async fn advance(
        &self,
        job: &Job,
        stage: Stage,
        tx: crate::queue::StepTx,
        data: JobData,
    ) -> Result<Outcome, StepError> {
        let next = new_job(&job.name, stage, tx, data);
        self.queue.advance(&job.name, job.stage, &next)?;
        if let Err(err) = self.actions.broadcast(&next.tx).await {
            // Recorded; the next pass sends it again.
            self.queue
                .add_error(&next.name, next.stage, &err.to_string())?;
            return Ok(Outcome::Advanced);
        }
        self.queue.mark_broadcast(&next.name, next.stage)?;
        Ok(Outcome::Advanced)
    }
}

#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Action(#[from] ActionError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

fn new_job(name: &str, stage: Stage, tx: crate::queue::StepTx, data: JobData) -> Job {
    Job {
        name: name.to_string(),
        stage,
        tx,
        data,
        errors: Vec::new(),
    }
}

fn set_zonefile(data: &mut JobData, zonefile: Option<&[u8]>) {
    if let Some(bytes) = zonefile {
        data.zonefile_b64 = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        data.zonefile_hash = Some(value_hash_hex(bytes));
        data.replicated_zonefile = false;
    }
}

/// The delay after another failure: 2–3 times the last one, at most `cap`.
fn backoff(last: Duration, cap: Duration) -> Duration {
    let jitter = f64::from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos()),
    ) / 1e9;
    last.mul_f64(2.0 + jitter).min(cap)
}
