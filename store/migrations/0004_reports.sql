-- 0004: reports: the provider's administrator accounts and the API tokens
-- of its quality-assurance system, plus the index the report walks use.
--
-- Same conventions as 0001: INTEGER milliseconds UTC. Secrets are stored
-- only as hashes: passwords with bcrypt, API tokens with SHA-256 (they
-- are 256-bit random values, so a fast hash is enough).

CREATE TABLE admins (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

-- The participants walk groups a course's launches by learner.
CREATE INDEX activities_course ON activities (platform_id, context_id, id);
