-- Password + authenticator sign-in and the account's security settings.

-- Recovery codes: ten per set, each used once, stored hashed.
CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    PRIMARY KEY (account_id, code_hash)
);

-- An authenticator being set up: its secret (encrypted) waits here until a code and the
-- password confirm it.
CREATE TABLE pending_authenticators (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    secret_encrypted TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- What the security settings show about a linked provider.
ALTER TABLE identity_links ADD COLUMN provider_id TEXT NULL;
ALTER TABLE identity_links ADD COLUMN email TEXT NULL;

-- "Add a provider" while signed in: the browser sign-in links to this account.
CREATE TABLE link_intents (
    intent_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    provider_id TEXT NOT NULL,
    -- The app's PKCE challenge: only the sign-in it starts can use the intent.
    code_challenge TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL
);
ALTER TABLE pending_authorizations ADD COLUMN link_account_id TEXT NULL;
ALTER TABLE authorization_codes ADD COLUMN link_account_id TEXT NULL;
