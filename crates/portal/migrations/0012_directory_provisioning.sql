-- Accounts a company's directory keeps current over SCIM 2.0 (RFC 7643/7644).
--
-- `external_id` is the directory's stable id of the person (it survives a rename);
-- `scim_attributes` the directory's last word on the attributes the portal keeps but does
-- not use (name parts, phone numbers, enterprise fields, email types), as JSON.
-- A deactivated account (`active: false`) signs in nowhere: its sessions, device
-- credentials and static credential ended when it was deactivated, its links are inert,
-- the registrar no longer knows its line. A deleted one is also gone for the directory;
-- its data is purged after the organization's retention.
ALTER TABLE accounts ADD COLUMN external_id TEXT NULL;
ALTER TABLE accounts ADD COLUMN deactivated_at BIGINT NULL;
ALTER TABLE accounts ADD COLUMN deleted_at BIGINT NULL;
ALTER TABLE accounts ADD COLUMN updated_at BIGINT NULL;
ALTER TABLE accounts ADD COLUMN scim_attributes TEXT NULL;
CREATE UNIQUE INDEX accounts_by_external_id ON accounts (organization_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX accounts_by_extension ON accounts (organization_id, extension);

-- How an organization's directory provisions: the extensions it hands out (from an
-- attribute the directory sends, or the lowest free one of the range), the SIP settings
-- every new account's line gets, and how long a deleted account's data is kept.
CREATE TABLE scim_settings (
    organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
    extension_first BIGINT NOT NULL,
    extension_last BIGINT NOT NULL,
    extension_attribute TEXT NULL,
    sip_domain TEXT NOT NULL,
    registrar TEXT NOT NULL,
    transport TEXT NOT NULL,
    retention_days BIGINT NOT NULL,
    -- Where the search for a free extension starts (the one after the last given).
    next_extension BIGINT NULL
);

-- The bearer tokens a directory presents, one organization each; only a SHA-256 of the
-- token is kept (it is shown once, when made).
CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NULL,
    revoked_at BIGINT NULL
);
CREATE UNIQUE INDEX scim_tokens_by_name ON scim_tokens (organization_id, name)
    WHERE revoked_at IS NULL;

-- The registrar knows no credential and no line of a deactivated account.
DROP VIEW registrar_credentials_md5;
DROP VIEW registrar_credentials_sha256;
DROP VIEW registrar_lines;
CREATE VIEW registrar_credentials_md5 AS
    SELECT c.auth_user AS username, c.realm AS domain, c.ha1_md5 AS ha1, c.ha1_md5 AS ha1b,
           c.aor_user AS extension
    FROM sip_credentials c JOIN accounts a ON a.id = c.account_id
    WHERE a.deactivated_at IS NULL;
CREATE VIEW registrar_credentials_sha256 AS
    SELECT c.auth_user AS username, c.realm AS domain, c.ha1_sha256 AS ha1, c.ha1_sha256 AS ha1b,
           c.aor_user AS extension
    FROM sip_credentials c JOIN accounts a ON a.id = c.account_id
    WHERE a.deactivated_at IS NULL;
CREATE VIEW registrar_lines AS
    SELECT p.sip_user AS username, p.sip_domain AS domain
    FROM sip_profiles p JOIN accounts a ON a.id = p.account_id
    WHERE a.deactivated_at IS NULL;
