package main

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// pendingUser creates a user through the CLI and moves it to
// pending_approval, as a confirmed registration in audit mode is.
func pendingUser(t *testing.T, env map[string]string, email string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, env, "users", "create", "--email", email)
	if code != 0 {
		t.Fatalf("create %s: %d %s", email, code, stderr)
	}
	id := strings.TrimSpace(stdout)
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		u, err := st.Users().ByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		u.State = storage.UserPendingApproval
		if err := st.Users().Update(ctx, &u); err != nil {
			t.Fatal(err)
		}
	})
	return id
}

func withTestStore(t *testing.T, env map[string]string, fn func(context.Context, *sqlstore.Store)) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, env["GATEHOUSE_DATABASE_URL"], sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(ctx, st)
}

// outboxKinds lists the kinds of the queued letters to addr.
func outboxKinds(t *testing.T, env map[string]string, addr string) []string {
	t.Helper()
	var kinds []string
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		page, err := st.Outbox().List(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Items {
			if m.To == addr {
				kinds = append(kinds, m.Kind)
			}
		}
	})
	return kinds
}

func TestUsersApproveAndReject(t *testing.T) {
	env := sqliteEnv(t)
	env["GATEHOUSE_REGISTRATION_MODE"] = "audit"
	ada := pendingUser(t, env, "ada@example.com")
	eve := pendingUser(t, env, "eve@example.com")

	code, stdout, stderr := runCLI(t, env, "users", "approve", ada)
	if code != 0 || !strings.Contains(stdout, "active") {
		t.Fatalf("approve: %d %q %q", code, stdout, stderr)
	}
	if kinds := outboxKinds(t, env, "ada@example.com"); strings.Join(kinds, ",") != "account_active" {
		t.Fatalf("letters to ada: %v", kinds)
	}
	code, _, stderr = runCLI(t, env, "users", "approve", ada)
	if code != 1 || !strings.Contains(stderr, "is active, not pending_approval") {
		t.Fatalf("approving again: %d %q", code, stderr)
	}

	code, stdout, stderr = runCLI(t, env, "users", "reject", eve, "--reason", "Members only.")
	if code != 0 || !strings.Contains(stdout, "rejected") {
		t.Fatalf("reject: %d %q %q", code, stdout, stderr)
	}
	if kinds := outboxKinds(t, env, "eve@example.com"); strings.Join(kinds, ",") != "registration_rejected" {
		t.Fatalf("letters to eve: %v", kinds)
	}
	code, stdout, _ = runCLI(t, env, "users", "list", "--state", "rejected")
	if code != 0 || !strings.Contains(stdout, eve) || strings.Contains(stdout, ada) {
		t.Fatalf("list rejected: %d\n%s", code, stdout)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"users", "approve"}, 2, "exactly one user ID"},
		{[]string{"users", "approve", "a", "b"}, 2, "exactly one user ID"},
		{[]string{"users", "approve", "no-such-id"}, 1, "no user no-such-id"},
		{[]string{"users", "reject", ada, "--reason", "bad\x01"}, 2, "reason"},
		{[]string{"users", "reject", ada, "--bogus"}, 2, "bogus"},
	} {
		code, _, stderr := runCLI(t, env, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: %d %q, want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
