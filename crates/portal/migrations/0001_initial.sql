-- Portable SQL: this schema must run unchanged on SQLite and PostgreSQL.
-- Times are Unix seconds (BIGINT); secrets encrypted at rest are base64 TEXT.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- SSO sign-in also asks for the portal's authenticator code.
    require_totp_for_sso BOOLEAN NOT NULL DEFAULT FALSE,
    session_idle_seconds BIGINT NOT NULL,
    session_absolute_seconds BIGINT NOT NULL
);

-- A provider enabled for one of the organization's domains (Google `hd`, email domain)
-- or tenants (Entra `tid`).
CREATE TABLE organization_providers (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    provider_id TEXT NOT NULL,
    domain_or_tenant TEXT NOT NULL,
    PRIMARY KEY (organization_id, provider_id, domain_or_tenant)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    extension TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    sso_allowed BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret_encrypted TEXT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE account_emails (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    email TEXT NOT NULL,
    -- 'login' may sign in through a provider; 'notification' only receives copies.
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'notification')),
    PRIMARY KEY (account_id, email)
);
CREATE INDEX account_emails_by_email ON account_emails (email);

-- A provider identity (issuer + subject; Entra: tid + oid) linked to an account.
CREATE TABLE identity_links (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject, account_id)
);

CREATE TABLE sip_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    sip_user TEXT NOT NULL,
    auth_user TEXT NOT NULL,
    password_encrypted TEXT NOT NULL,
    sip_domain TEXT NOT NULL,
    registrar TEXT NOT NULL,
    outbound_proxy TEXT NULL,
    transport TEXT NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
    stun_server TEXT NULL,
    turn_server TEXT NULL,
    voicemail_number TEXT NULL,
    version BIGINT NOT NULL
);
