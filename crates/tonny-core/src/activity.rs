//! How a request ended, as the store records it (`activity.status`) and the API reports it.
//! One enum shared by both, so a new outcome cannot be stored that the API cannot name, or the
//! other way round.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How one request ended.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Received, not yet handled (rows written before handling starts).
    #[default]
    Pending,
    /// Being handled.
    Processing,
    /// Answered (or typed, for dictation).
    Success,
    /// No agent could take it now; it waits in the outbox for its backend.
    Queued,
    /// Every agent asked failed, or a stage (speech, typing) failed.
    Failed,
    /// The agent did not answer in time.
    Timeout,
    /// The family rules refused it.
    Blocked,
    /// The person cancelled it (Cancel, Stop, the cancel hotkey) before it was answered; the
    /// reply, if one came, was neither typed nor spoken.
    Cancelled,
}

impl ActivityStatus {
    /// Every status, in the order a filter lists them.
    pub const ALL: [ActivityStatus; 8] = [
        ActivityStatus::Pending,
        ActivityStatus::Processing,
        ActivityStatus::Success,
        ActivityStatus::Queued,
        ActivityStatus::Failed,
        ActivityStatus::Timeout,
        ActivityStatus::Blocked,
        ActivityStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Pending => "pending",
            ActivityStatus::Processing => "processing",
            ActivityStatus::Success => "success",
            ActivityStatus::Queued => "queued",
            ActivityStatus::Failed => "failed",
            ActivityStatus::Timeout => "timeout",
            ActivityStatus::Blocked => "blocked",
            ActivityStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ActivityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an [`ActivityStatus`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a request status; use one of pending, processing, success, queued, failed, timeout, blocked, cancelled"
)]
pub struct UnknownStatus(pub String);

impl FromStr for ActivityStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_stored_name_and_json() {
        for s in ActivityStatus::ALL {
            assert_eq!(s.as_str().parse::<ActivityStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!("done".parse::<ActivityStatus>().is_err());
    }
}
