-- What tells one session from another in the user's list: the program it signed in with
-- (its User-Agent, as sent: printable, cut short, shown as untrusted text), the address it
-- signed in from and the address of its latest use (its latest token refresh). Sessions
-- from before this version have none of them.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NULL;
ALTER TABLE sessions ADD COLUMN signed_in_ip TEXT NULL;
ALTER TABLE sessions ADD COLUMN last_used_ip TEXT NULL;
