-- The sign-in broker's state lives in the database, not in process memory, so several
-- portal instances can share one database. Secrets are stored hashed (SHA-256, hex) when
-- they only need to be recognised, encrypted when they must be read back.

-- A sign-in the app started and the provider has not answered yet (one use, ~10 min).
CREATE TABLE pending_authorizations (
    portal_state_hash TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL,
    app_redirect_uri TEXT NOT NULL,
    app_state TEXT NOT NULL,
    app_code_challenge TEXT NOT NULL,
    -- The portal's own nonce and PKCE verifier towards the provider, encrypted.
    nonce_encrypted TEXT NOT NULL,
    pkce_verifier_encrypted TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- One-time codes handed to the app; bound to its PKCE challenge and redirect URI.
CREATE TABLE authorization_codes (
    code_hash TEXT PRIMARY KEY,
    app_redirect_uri TEXT NOT NULL,
    app_code_challenge TEXT NOT NULL,
    -- The verified provider identity, JSON.
    identity TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    -- The session the code produced, revoked if the code is replayed.
    session_id TEXT NULL
);

-- A step between a verified identity and a session: choose an account, link one, or
-- give the authenticator code.
CREATE TABLE login_tickets (
    ticket_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('choose_account', 'link_account', 'mfa')),
    identity TEXT NULL,
    -- Comma-separated account ids the ticket may end in.
    account_ids TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL
);

-- A choice of account remembered per provider identity (it follows the user).
CREATE TABLE remembered_choices (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (issuer, subject)
);

-- A signed-in device: one refresh-token family.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    auth_method TEXT NOT NULL,
    device_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    revoked_at BIGINT NULL,
    revoked_reason TEXT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    issued_at BIGINT NOT NULL,
    -- Set when this token was exchanged for its successor.
    rotated_at BIGINT NULL,
    successor_hash TEXT NULL
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX access_tokens_by_session ON access_tokens (session_id);
