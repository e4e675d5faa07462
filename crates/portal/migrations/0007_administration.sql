-- Administration: how each link was made (so links made from an email follow it), links a
-- user removed (not re-made by email matching), which provider identity each session came
-- through (so disabling a provider or re-linking ends those sessions), and the audit log.

-- 'email' (matched a login email), 'password' (linked with the account's password at
-- sign-in), 'settings' (added in the security settings), 'admin' or 'import'.
ALTER TABLE identity_links ADD COLUMN made_by TEXT NULL;
-- The login email the link was made from (made_by = 'email').
ALTER TABLE identity_links ADD COLUMN matched_email TEXT NULL;
-- The domain or tenant the provider vouched for (Google hd, Entra tid, email domain).
ALTER TABLE identity_links ADD COLUMN organization_key TEXT NULL;

-- Links made before this version: a link whose email is a login email of its account was
-- made by matching it; any other by the password step.
UPDATE identity_links SET made_by = 'email', matched_email = email
WHERE email IS NOT NULL AND EXISTS (
    SELECT 1 FROM account_emails e
    WHERE e.account_id = identity_links.account_id AND e.email = identity_links.email
      AND e.purpose = 'login');
UPDATE identity_links SET made_by = 'password' WHERE made_by IS NULL;

-- A link the user removed in the security settings: email matching does not make it
-- again; adding the provider again (or the password step) does.
CREATE TABLE removed_links (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    removed_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject, account_id)
);

-- The provider identity a session signed in through (NULL: password, or before this
-- version).
ALTER TABLE sessions ADD COLUMN link_issuer TEXT NULL;
ALTER TABLE sessions ADD COLUMN link_subject TEXT NULL;
ALTER TABLE sessions ADD COLUMN provider_id TEXT NULL;
ALTER TABLE sessions ADD COLUMN organization_key TEXT NULL;
CREATE INDEX sessions_by_link ON sessions (link_issuer, link_subject);

-- Who did what, when: sign-ins, failures and lockouts, links and unlinks, security
-- changes in the app, administrators' changes. `id` sorts in the order events happened.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    -- 'user' (in the app), 'system', or the operator ('admin:<name>').
    actor TEXT NOT NULL,
    organization_id TEXT NULL,
    account_id TEXT NULL,
    method TEXT NULL,
    provider_id TEXT NULL,
    device TEXT NULL,
    ip TEXT NULL,
    result TEXT NOT NULL,
    -- A JSON object with what else the event knows (never a secret).
    detail TEXT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (at, id);
CREATE INDEX audit_events_by_account ON audit_events (account_id, at);
