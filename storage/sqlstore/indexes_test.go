package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenLookupsUsePartialIndexes checks that the token lookups by a
// nullable column still find their index now that it holds only the rows
// with a value (migration 00017), so that a client-credentials token (no
// user, refresh token, code or session) adds no entry to them.
func TestTokenLookupsUsePartialIndexes(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gh.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for query, index := range map[string]string{
		`SELECT id FROM access_tokens WHERE user_id = ?`:          "access_tokens_user_idx",
		`SELECT id FROM access_tokens WHERE refresh_token_id = ?`: "access_tokens_refresh_idx",
		`SELECT id FROM access_tokens WHERE auth_request_id = ?`:  "access_tokens_auth_request_idx",
		`SELECT id FROM access_tokens WHERE session_id = ?`:       "access_tokens_session_idx",
		`SELECT id FROM refresh_tokens WHERE auth_request_id = ?`: "refresh_tokens_auth_request_idx",
		`SELECT id FROM refresh_tokens WHERE session_id = ?`:      "refresh_tokens_session_idx",
		`SELECT id FROM auth_requests WHERE user_id = ?`:          "auth_requests_user_idx",
	} {
		var plan []struct {
			ID      int    `db:"id"`
			Parent  int    `db:"parent"`
			NotUsed int    `db:"notused"`
			Detail  string `db:"detail"`
		}
		if err := st.read.SelectContext(ctx, &plan, "EXPLAIN QUERY PLAN "+query, "x"); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if !strings.Contains(strings.Join(details, "; "), "INDEX "+index) {
			t.Errorf("%s: plan %q does not use %s", query, details, index)
		}
	}

	for _, index := range []string{"access_tokens_user_idx", "access_tokens_refresh_idx", "access_tokens_auth_request_idx",
		"access_tokens_session_idx", "refresh_tokens_auth_request_idx", "refresh_tokens_session_idx", "auth_requests_user_idx"} {
		var def string
		if err := st.read.GetContext(ctx, &def, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, index); err != nil {
			t.Fatalf("%s: %v", index, err)
		}
		if !strings.HasSuffix(def, "IS NOT NULL") {
			t.Errorf("%s is not partial: %s", index, def)
		}
	}
}
