-- TonnyTray schema v2: what the voice pipeline needs to remember between runs.

-- Timers and reminders; pending ones fire at the next start if they fell due while stopped.
CREATE TABLE timers (
    id           INTEGER PRIMARY KEY,
    profile_id   INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('timer', 'reminder')),
    label        TEXT NOT NULL,
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    fired_at     INTEGER,
    cancelled_at INTEGER
);
CREATE INDEX timers_pending ON timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_by_profile ON timers (profile_id);

-- Small facts about the running household: the active profile.
CREATE TABLE app_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Wrong admin PINs, for rate limiting profile switches across processes.
CREATE TABLE pin_failures (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL
);

-- End of speech → voice-activity end, the endpointing delay of spoken requests.
ALTER TABLE activity ADD COLUMN endpoint_ms INTEGER;
