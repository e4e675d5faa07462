-- A replayed one-time code is marked, so that whichever of the two redemptions finishes
-- last (on any instance) revokes the session the code made.
ALTER TABLE authorization_codes ADD COLUMN replayed_at BIGINT NULL;
