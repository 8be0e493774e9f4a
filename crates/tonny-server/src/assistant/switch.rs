//! Switching the active profile. Moving to or from a kid profile needs an admin's PIN, and
//! wrong PINs are rate limited across processes ([`tonny_core::profile::pin_wait`]).

use chrono::Utc;
use tonny_core::profile::{PIN_FAILURE_WINDOW, pin_wait};
use tonny_core::{Permission, Profile};
use tonny_store::{Store, StoreError};

/// Why the switch did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// An admin PIN is needed and none was given.
    #[error(
        "switching {from} → {to} needs an admin's PIN; enter it when asked (or pass --pin-stdin)"
    )]
    PinRequired {
        /// Active profile.
        from: String,
        /// Requested profile.
        to: String,
    },
    /// The PIN matched no admin profile.
    #[error("wrong PIN{}", wait.map(|w| format!("; wait {} s before trying again", whole_seconds(w))).unwrap_or_default())]
    WrongPin {
        /// How long until the next try is accepted, once the free tries are used.
        wait: Option<chrono::Duration>,
    },
    /// Too many wrong PINs recently.
    #[error("too many wrong PINs; wait {} s before trying again", whole_seconds(*.wait))]
    LockedOut {
        /// Time left.
        wait: chrono::Duration,
    },
    /// Switching to a kid profile when no admin has a PIN would leave the child free to switch
    /// back.
    #[error(
        "no admin profile has a PIN, so nothing would stop switching back from {to}; set one \
         first with `tonny profiles edit ADMIN --pin`"
    )]
    NoAdminPin {
        /// The kid profile asked for.
        to: String,
    },
    /// The database failed or the profile does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
}

// Seconds to wait, rounded up: "wait 30 s" right after the third wrong PIN, never "wait 0 s".
fn whole_seconds(wait: chrono::Duration) -> i64 {
    ((wait.num_milliseconds() + 999) / 1000).max(1)
}

/// Makes `target` the active profile, checking an admin PIN when a kid profile is involved.
pub async fn switch_profile(
    store: &dyn Store,
    target: &str,
    pin: Option<&str>,
) -> Result<Profile, SwitchError> {
    let current = store.active_profile().await?;
    let wanted = store
        .get_profile(target)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            kind: "profile",
            name: target.to_owned(),
            hint: "tonny profiles list",
        })?;
    let kid_involved = wanted.name != current.name
        && (current.permission == Permission::Kid || wanted.permission == Permission::Kid);
    if kid_involved {
        let admins: Vec<Profile> = store
            .list_profiles()
            .await?
            .into_iter()
            .filter(|p| p.permission == Permission::Admin && p.pin_hash.is_some())
            .collect();
        if admins.is_empty() {
            if wanted.permission == Permission::Kid {
                return Err(SwitchError::NoAdminPin { to: wanted.name });
            }
            tracing::warn!(
                "leaving kid profile {} without a PIN: no admin has one",
                current.name
            );
        } else {
            let now = Utc::now();
            let since = now - PIN_FAILURE_WINDOW;
            if let Some(wait) = pin_wait(&store.pin_failures(since).await?, now) {
                return Err(SwitchError::LockedOut { wait });
            }
            let Some(pin) = pin else {
                return Err(SwitchError::PinRequired {
                    from: current.name,
                    to: wanted.name,
                });
            };
            if !admins.iter().any(|a| a.verify_pin(pin)) {
                let failures = store.record_pin_failure(since).await?;
                tracing::warn!(from = current.name, to = wanted.name, "wrong admin PIN");
                return Err(SwitchError::WrongPin {
                    wait: pin_wait(&failures, Utc::now()),
                });
            }
            store.clear_pin_failures().await?;
        }
    }
    Ok(store.set_active_profile(&wanted.name).await?)
}
