-- Expired rows are purged by a periodic task (any instance may run it); these indexes keep
-- the purge and the lookups by typed username fast as the tables grow.
CREATE INDEX pending_authorizations_by_expiry ON pending_authorizations (expires_at);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
CREATE INDEX login_tickets_by_expiry ON login_tickets (expires_at);
CREATE INDEX link_intents_by_expiry ON link_intents (expires_at);
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
CREATE INDEX sessions_by_revocation ON sessions (revoked_at);
CREATE INDEX accounts_by_lower_username ON accounts (lower(username));
CREATE INDEX identity_links_by_account ON identity_links (account_id);
