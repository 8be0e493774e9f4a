-- TonnyTray schema v1. Times are Unix milliseconds (UTC). Row ids grow with insertion order,
-- which retention relies on to delete old rows without a time index.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    category   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE profiles (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    permission       TEXT NOT NULL CHECK (permission IN ('admin', 'user', 'kid', 'guest')),
    speaker_id       TEXT,
    tts_voice        TEXT,
    allowed_commands TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_commands)),
    blocked_commands TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(blocked_commands)),
    daily_limit      INTEGER CHECK (daily_limit IS NULL OR daily_limit > 0),
    quiet_hours      TEXT,
    pin_hash         TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER REFERENCES profiles (id) ON DELETE SET NULL,
    client     TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);

CREATE TABLE transcriptions (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    profile_id INTEGER REFERENCES profiles (id) ON DELETE SET NULL,
    text       TEXT NOT NULL,
    confidence REAL,
    speaker    TEXT,
    language   TEXT,
    source     TEXT,
    audio_ms   INTEGER,
    stt_ms     INTEGER,
    routed_to  TEXT,
    status     TEXT NOT NULL DEFAULT 'transcribed'
);
-- Indexes on foreign keys keep ON DELETE actions from scanning whole tables.
CREATE INDEX transcriptions_by_profile ON transcriptions (profile_id) WHERE profile_id IS NOT NULL;
CREATE INDEX transcriptions_by_session ON transcriptions (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX sessions_by_profile ON sessions (profile_id);

CREATE VIRTUAL TABLE transcriptions_fts USING fts5 (
    text,
    content = 'transcriptions',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER transcriptions_fts_insert AFTER INSERT ON transcriptions BEGIN
    INSERT INTO transcriptions_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER transcriptions_fts_delete AFTER DELETE ON transcriptions BEGIN
    INSERT INTO transcriptions_fts (transcriptions_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER transcriptions_fts_update AFTER UPDATE OF text ON transcriptions BEGIN
    INSERT INTO transcriptions_fts (transcriptions_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO transcriptions_fts (rowid, text) VALUES (new.id, new.text);
END;

-- What ran for each request: the command history, with per-stage latencies.
CREATE TABLE activity (
    id               INTEGER PRIMARY KEY,
    created_at       INTEGER NOT NULL,
    transcription_id INTEGER REFERENCES transcriptions (id) ON DELETE SET NULL,
    profile_id       INTEGER REFERENCES profiles (id) ON DELETE SET NULL,
    intent           TEXT NOT NULL CHECK (intent IN ('dictation', 'quick_action', 'local', 'agent')),
    backend          TEXT,
    request          TEXT CHECK (request IS NULL OR json_valid(request)),
    response         TEXT CHECK (response IS NULL OR json_valid(response)),
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'success', 'failed', 'timeout', 'blocked')),
    error            TEXT,
    capture_ms       INTEGER,
    stt_ms           INTEGER,
    route_ms         INTEGER,
    agent_ms         INTEGER,
    tts_ms           INTEGER,
    total_ms         INTEGER,
    completed_at     INTEGER
);
CREATE INDEX activity_by_transcription ON activity (transcription_id) WHERE transcription_id IS NOT NULL;
CREATE INDEX activity_by_profile ON activity (profile_id) WHERE profile_id IS NOT NULL;

-- System events and logs: structure, not content.
CREATE TABLE logs (
    id        INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,
    level     INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    component TEXT NOT NULL,
    message   TEXT NOT NULL,
    metadata  TEXT CHECK (metadata IS NULL OR json_valid(metadata))
);
CREATE INDEX logs_by_level ON logs (level, id);
CREATE INDEX logs_by_component ON logs (component, id);

CREATE TABLE quick_actions (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    phrase     TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (json_valid(action)),
    profile_id INTEGER REFERENCES profiles (id) ON DELETE CASCADE,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX quick_actions_by_profile ON quick_actions (profile_id);

CREATE TABLE usage_daily (
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    requests   INTEGER NOT NULL DEFAULT 0,
    blocked    INTEGER NOT NULL DEFAULT 0,
    audio_ms   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (profile_id, day)
) WITHOUT ROWID;

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    level      TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT,
    read_at    INTEGER
);

-- Agent requests not yet delivered (backend down); delivered rows are kept until pruned.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    backend         TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    delivered_at    INTEGER
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
