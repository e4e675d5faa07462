-- SIP credentials the registrar accepts: one per signed-in device (session_id set, made
-- when the session starts, deleted in the transaction that ends it) and at most one
-- static credential per account for desk phones an administrator provisions by hand
-- (session_id NULL). A credential registers and calls only as its account's line
-- (aor_user@realm). The password is kept encrypted for the profile handed to its own
-- device; the registrar reads digests only, through the views below.
CREATE TABLE sip_credentials (
    auth_user TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    session_id TEXT NULL REFERENCES sessions (id),
    realm TEXT NOT NULL,
    aor_user TEXT NOT NULL,
    ha1_md5 TEXT NOT NULL,
    ha1_sha256 TEXT NOT NULL,
    password_encrypted TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sip_credentials_by_session ON sip_credentials (session_id);
CREATE INDEX sip_credentials_by_account ON sip_credentials (account_id);

-- What Kamailio's auth_db reads (username, domain, ha1, ha1b, extension), one view per
-- digest algorithm: HA1 = H(auth_user ":" realm ":" password).
CREATE VIEW registrar_credentials_md5 AS
    SELECT auth_user AS username, realm AS domain, ha1_md5 AS ha1, ha1_md5 AS ha1b,
           aor_user AS extension
    FROM sip_credentials;
CREATE VIEW registrar_credentials_sha256 AS
    SELECT auth_user AS username, realm AS domain, ha1_sha256 AS ha1, ha1_sha256 AS ha1b,
           aor_user AS extension
    FROM sip_credentials;
-- The lines a call may be for (a known line nobody registered answers 480, others 404).
CREATE VIEW registrar_lines AS
    SELECT sip_user AS username, sip_domain AS domain FROM sip_profiles;

-- Contact removals the registrar has not confirmed yet: written in the transaction that
-- ends the credential, deleted once the registrar answers, retried until then.
CREATE TABLE registrar_outbox (
    id TEXT PRIMARY KEY,
    auth_user TEXT NOT NULL,
    aor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NULL
);
CREATE INDEX registrar_outbox_by_due ON registrar_outbox (next_attempt_at);

-- What a signed-in app is told at once over its event stream: a session ended (with
-- why), its SIP profile changed, its organization's policy changed. Every portal
-- instance reads new rows and passes them to the apps connected to it; old rows are
-- purged.
CREATE TABLE session_events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    session_id TEXT NULL,
    kind TEXT NOT NULL,
    reason TEXT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX session_events_by_time ON session_events (created_at);
