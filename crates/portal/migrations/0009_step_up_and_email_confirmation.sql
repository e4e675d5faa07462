-- Step-up for sensitive changes: when the session last confirmed it is the account's
-- user (password, and the authenticator code when the account has one). Adding a
-- notification email, removing a linked sign-in, signing out other sessions and changing
-- the password need a confirmation younger than five minutes.
ALTER TABLE sessions ADD COLUMN confirmed_at BIGINT NULL;

-- Notification emails the user adds wait for the code mailed to them before they receive
-- anything: while `confirmation_hash` is set the address is unconfirmed (rows from before
-- this version, an import or an administrator have none: they are confirmed).
ALTER TABLE account_emails ADD COLUMN confirmation_hash TEXT NULL;
ALTER TABLE account_emails ADD COLUMN confirmation_expires_at BIGINT NULL;
