-- Requests per minute per endpoint group, per client address and over all clients
-- (client_key '*'), shared by every instance. Past windows are purged.
CREATE TABLE request_counts (
    scope TEXT NOT NULL,
    client_key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (scope, client_key, window_start)
);
