-- TonnyTray schema v3: every way a request can end is a status of its own. `queued` (waiting
-- in the outbox) and `cancelled` (stopped by the person) were refused by the old CHECK, so
-- such rows were lost. SQLite cannot change a CHECK in place: the table is rebuilt with its
-- rows, ids and indexes.

CREATE TABLE activity_v3 (
    id               INTEGER PRIMARY KEY,
    created_at       INTEGER NOT NULL,
    transcription_id INTEGER REFERENCES transcriptions (id) ON DELETE SET NULL,
    profile_id       INTEGER REFERENCES profiles (id) ON DELETE SET NULL,
    intent           TEXT NOT NULL CHECK (intent IN ('dictation', 'quick_action', 'local', 'agent')),
    backend          TEXT,
    request          TEXT CHECK (request IS NULL OR json_valid(request)),
    response         TEXT CHECK (response IS NULL OR json_valid(response)),
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'success', 'queued', 'failed',
                                       'timeout', 'blocked', 'cancelled')),
    error            TEXT,
    capture_ms       INTEGER,
    stt_ms           INTEGER,
    route_ms         INTEGER,
    agent_ms         INTEGER,
    tts_ms           INTEGER,
    total_ms         INTEGER,
    completed_at     INTEGER,
    endpoint_ms      INTEGER
);
INSERT INTO activity_v3 (id, created_at, transcription_id, profile_id, intent, backend, request,
                         response, status, error, capture_ms, stt_ms, route_ms, agent_ms, tts_ms,
                         total_ms, completed_at, endpoint_ms)
    SELECT id, created_at, transcription_id, profile_id, intent, backend, request, response,
           status, error, capture_ms, stt_ms, route_ms, agent_ms, tts_ms, total_ms,
           completed_at, endpoint_ms
    FROM activity;
DROP TABLE activity;
ALTER TABLE activity_v3 RENAME TO activity;
CREATE INDEX activity_by_transcription ON activity (transcription_id) WHERE transcription_id IS NOT NULL;
CREATE INDEX activity_by_profile ON activity (profile_id) WHERE profile_id IS NOT NULL;
