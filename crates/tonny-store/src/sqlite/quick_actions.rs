//! The `quick_actions` table. Steps are stored as JSON and read back through
//! [`QuickAction::parse_steps`], so a row written by a newer version with an unknown step is
//! reported by name instead of failing the whole list.

use rusqlite::params;
use tonny_core::quick_action::{QuickAction, QuickActionError};

use super::{SqliteDb, now_ms, profile_id};
use crate::error::{Result, StoreError};

impl SqliteDb {
    /// Every quick action by name, each with its steps or the reason they cannot be read.
    pub fn list_quick_actions(
        &self,
    ) -> Result<Vec<std::result::Result<QuickAction, QuickActionError>>> {
        self.read("list quick actions", |c| {
            let mut stmt = c.prepare(
                "SELECT q.name, q.phrase, q.action, p.name, q.enabled
                 FROM quick_actions q LEFT JOIN profiles p ON p.id = q.profile_id
                 ORDER BY q.name",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (name, phrase, json, profile, enabled) = row?;
                out.push(
                    QuickAction::parse_steps(&name, &json).map(|steps| QuickAction {
                        name,
                        phrase,
                        steps,
                        profile,
                        enabled,
                    }),
                );
            }
            Ok(out)
        })
    }

    /// Adds the action, or replaces the one with the same name. It is validated first.
    pub fn put_quick_action(&self, a: &QuickAction) -> Result<()> {
        a.validate()?;
        let steps = serde_json::to_string(&a.steps).expect("steps serialise");
        self.write("save a quick action", |c| {
            let tx = c.transaction()?;
            let pid = a
                .profile
                .as_deref()
                .map(|p| profile_id(&tx, p))
                .transpose()?;
            let now = now_ms();
            tx.execute(
                "INSERT INTO quick_actions (name, phrase, action, profile_id, enabled, created_at,
                     updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (name) DO UPDATE SET phrase = excluded.phrase,
                     action = excluded.action, profile_id = excluded.profile_id,
                     enabled = excluded.enabled, updated_at = excluded.updated_at",
                params![a.name, a.phrase, steps, pid, a.enabled, now],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Removes the action called `name`.
    pub fn remove_quick_action(&self, name: &str) -> Result<()> {
        self.write("remove a quick action", |c| {
            match c.execute("DELETE FROM quick_actions WHERE name = ?1", [name])? {
                0 => Err(StoreError::NotFound {
                    kind: "quick action",
                    name: name.to_owned(),
                    hint: "tonny actions list",
                }),
                _ => Ok(()),
            }
        })
    }
}
