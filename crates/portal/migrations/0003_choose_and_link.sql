-- Several accounts per identity: "use a different account" needs to know which provider
-- identity a session came from; linking by password is rate-limited; an authenticator
-- code is accepted once.

-- The verified provider identity (JSON) a session signed in with; NULL for a password.
ALTER TABLE sessions ADD COLUMN identity TEXT NULL;

-- The last TOTP time step accepted for the account: a code is never accepted twice.
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NULL;

-- Failed attempts per scope ('link_identity', 'link_account', ...) and key; a key with
-- too many recent failures is locked until `locked_until`.
CREATE TABLE attempt_limits (
    scope TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    failures BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    locked_until BIGINT NULL,
    PRIMARY KEY (scope, subject_key)
);
