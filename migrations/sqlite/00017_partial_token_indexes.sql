-- Token and authorization-request indexes on columns that are often NULL
-- (user_id of client-credentials tokens, refresh_token_id, session_id and
-- auth_request_id of tokens not minted that way, user_id of a request
-- before sign-in) index only the rows that have a value: every lookup is
-- "column = ?", which implies NOT NULL, so the planner still uses them,
-- and an insert no longer writes an index entry for each NULL (four fewer
-- index pages for a client-credentials token).

-- +goose Up
DROP INDEX access_tokens_user_idx;
DROP INDEX access_tokens_refresh_idx;
DROP INDEX access_tokens_auth_request_idx;
DROP INDEX access_tokens_session_idx;
DROP INDEX refresh_tokens_auth_request_idx;
DROP INDEX refresh_tokens_session_idx;
DROP INDEX auth_requests_user_idx;
CREATE INDEX access_tokens_user_idx ON access_tokens (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX access_tokens_refresh_idx ON access_tokens (refresh_token_id) WHERE refresh_token_id IS NOT NULL;
CREATE INDEX access_tokens_auth_request_idx ON access_tokens (auth_request_id) WHERE auth_request_id IS NOT NULL;
CREATE INDEX access_tokens_session_idx ON access_tokens (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX refresh_tokens_auth_request_idx ON refresh_tokens (auth_request_id) WHERE auth_request_id IS NOT NULL;
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX auth_requests_user_idx ON auth_requests (user_id) WHERE user_id IS NOT NULL;

-- +goose Down
DROP INDEX access_tokens_user_idx;
DROP INDEX access_tokens_refresh_idx;
DROP INDEX access_tokens_auth_request_idx;
DROP INDEX access_tokens_session_idx;
DROP INDEX refresh_tokens_auth_request_idx;
DROP INDEX refresh_tokens_session_idx;
DROP INDEX auth_requests_user_idx;
CREATE INDEX access_tokens_user_idx ON access_tokens (user_id);
CREATE INDEX access_tokens_refresh_idx ON access_tokens (refresh_token_id);
CREATE INDEX access_tokens_auth_request_idx ON access_tokens (auth_request_id);
CREATE INDEX access_tokens_session_idx ON access_tokens (session_id);
CREATE INDEX refresh_tokens_auth_request_idx ON refresh_tokens (auth_request_id);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX auth_requests_user_idx ON auth_requests (user_id);
