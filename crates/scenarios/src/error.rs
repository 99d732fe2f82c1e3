//! Why a scenario failed: a state that differs from what the scenario expects, or a step that
//! could not be carried out at all.

/// A scenario's failure, with the block it was observed at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The node's answer differs from the expected state.
    #[error("at block {height}: {what}: expected {expected}, got {got}")]
    Mismatch {
        /// The last block indexed when the difference was seen.
        height: u64,
        /// What was compared (a name and a field, an operation, a route).
        what: String,
        /// What the scenario expected.
        expected: String,
        /// What the node answered.
        got: String,
    },
    /// A step could not be carried out (a transaction the chain refused, a node that did not
    /// answer, a wallet without coins).
    #[error("at block {height}: {step}: {reason}")]
    Step {
        /// The last block indexed when the step failed.
        height: u64,
        /// The step.
        step: String,
        /// What went wrong.
        reason: String,
    },
}

impl Failure {
    /// A [`Failure::Step`] at `height`.
    pub fn step(height: u64, step: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Failure::Step {
            height,
            step: step.into(),
            reason: reason.to_string(),
        }
    }

    /// A [`Failure::Mismatch`] at `height`.
    pub fn mismatch(
        height: u64,
        what: impl Into<String>,
        expected: impl std::fmt::Display,
        got: impl std::fmt::Display,
    ) -> Self {
        Failure::Mismatch {
            height,
            what: what.into(),
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }
}

/// What scenario steps return.
pub type Outcome<T = ()> = Result<T, Failure>;

/// Why a world (a node and its chain) could not be set up or driven.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// Starting, stopping or reaching the node failed.
    #[error("node: {0}")]
    Node(String),
    /// The chain refused a request.
    #[error("chain: {0}")]
    Chain(String),
    /// The bank could not pay for what the scenarios asked.
    #[error("funding: {0}")]
    Funding(String),
}
