-- 0001: the LTI core: platform registrations and their deployments, the
-- tool's signing keys, login states, used nonces, browser and launch
-- sessions.
--
-- Conventions, kept so the schema ports to PostgreSQL unchanged in meaning:
--   * times are INTEGER milliseconds since the Unix epoch, UTC (BIGINT there);
--   * booleans are INTEGER 0 or 1 (BOOLEAN there);
--   * BLOB columns are BYTEA there; JSON kept as TEXT (JSONB there);
--   * a record expires at its expires_at: from that instant on it is gone,
--     and the expires_at indexes serve PurgeExpired.

-- id is an alias of the rowid (BIGINT GENERATED ALWAYS AS IDENTITY in
-- PostgreSQL). Every table that keeps an id cascades on delete, so a reused
-- id never inherits stale rows.
CREATE TABLE platforms (
    id         INTEGER PRIMARY KEY,
    issuer     TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    auth_url   TEXT    NOT NULL,
    token_url  TEXT    NOT NULL,
    jwks_url   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (issuer, client_id)
);

-- The primary key starts with platform_id, so it also serves the cascade.
CREATE TABLE deployments (
    platform_id   INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    deployment_id TEXT    NOT NULL,
    PRIMARY KEY (platform_id, deployment_id)
);

CREATE TABLE tool_keys (
    kid         TEXT    PRIMARY KEY,
    alg         TEXT    NOT NULL,
    private_enc BLOB    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    sign_from   INTEGER NOT NULL,
    retire_at   INTEGER
);

-- No foreign key to platforms on purpose: a login state lives for minutes,
-- carries issuer and client_id, and the tracker looks the registration up
-- again at launch. A registration removed mid-login is then reported as
-- such, instead of the state silently vanishing and reading as unknown.
CREATE TABLE login_states (
    state_hash      TEXT    PRIMARY KEY,
    nonce           TEXT    NOT NULL,
    platform_id     INTEGER NOT NULL,
    issuer          TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    target_link_uri TEXT    NOT NULL,
    login_hint      TEXT    NOT NULL,
    message_hint    TEXT    NOT NULL,
    deployment_id   TEXT    NOT NULL,
    storage_target  TEXT    NOT NULL,
    binding_hash    TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX login_states_expires_at ON login_states (expires_at);

CREATE TABLE used_nonces (
    issuer     TEXT    NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, nonce)
);
CREATE INDEX used_nonces_expires_at ON used_nonces (expires_at);

CREATE TABLE browser_sessions (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX browser_sessions_expires_at ON browser_sessions (expires_at);

-- A launch session belongs to its registration: removing the platform ends
-- its open launches at once (ON DELETE CASCADE) rather than leaving pages
-- working for a platform the tool no longer trusts.
CREATE TABLE launch_sessions (
    id_hash       TEXT    PRIMARY KEY,
    platform_id   INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    deployment_id TEXT    NOT NULL,
    learner       TEXT    NOT NULL,
    context       TEXT    NOT NULL,
    csrf_token    TEXT    NOT NULL,
    binding_hash  TEXT    NOT NULL,
    bound         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX launch_sessions_platform_id ON launch_sessions (platform_id);
CREATE INDEX launch_sessions_expires_at ON launch_sessions (expires_at);
