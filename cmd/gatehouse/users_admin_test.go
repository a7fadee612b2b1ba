package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// TestUsersBlockUnblockDelete: the CLI blocks (ending sessions), refuses
// to unblock a pending user, unblocks, deletes, and audits each.
func TestUsersBlockUnblockDelete(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "users", "create", "--email", "kim@example.com")
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	kim := strings.TrimSpace(stdout)
	pending := pendingUser(t, env, "lee@example.com")
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		s := storage.BrowserSession{UserID: kim, TokenHash: []byte("0123456789abcdef0123456789abcdef"), ExpiresAt: storage.Time(timeNowPlusHour())}
		if err := st.Sessions().Create(ctx, &s); err != nil {
			t.Fatal(err)
		}
	})

	code, stdout, stderr = runCLI(t, env, "users", "block", kim)
	if code != 0 || !strings.Contains(stdout, "blocked") {
		t.Fatalf("block: %d %q %q", code, stdout, stderr)
	}
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		list, err := st.Sessions().ListByUser(ctx, kim, time.Now())
		if err != nil || len(list) != 0 {
			t.Errorf("sessions after the block: %v %v", list, err)
		}
	})
	code, stdout, _ = runCLI(t, env, "users", "list", "--state", "blocked")
	if code != 0 || !strings.Contains(stdout, kim) {
		t.Fatalf("list blocked: %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, env, "users", "unblock", pending)
	if code != 1 || !strings.Contains(stderr, "not blocked") {
		t.Fatalf("unblock pending: %d %q", code, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "users", "unblock", kim)
	if code != 0 || !strings.Contains(stdout, "active") {
		t.Fatalf("unblock: %d %q %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, env, "users", "delete", kim)
	if code != 0 {
		t.Fatalf("delete: %d %q", code, stderr)
	}
	code, _, stderr = runCLI(t, env, "users", "delete", kim)
	if code != 1 || !strings.Contains(stderr, "no user") {
		t.Fatalf("delete again: %d %q", code, stderr)
	}
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		page, err := st.Audit().List(ctx, storage.AuditFilter{UserID: kim})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range page.Items {
			types = append(types, e.Type)
		}
		got := strings.Join(types, ",")
		for _, want := range []string{"admin.user.block", "admin.user.unblock", "admin.user.delete"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit lacks %s: %s", want, got)
			}
		}
	})
}

// TestSettingsGetSet: settings set changes a value that settings get
// shows; unknown keys and bad values are usage errors.
func TestSettingsGetSet(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "settings", "get")
	if code != 0 || !strings.Contains(stdout, "registration.mode\t\"open\"") {
		t.Fatalf("get: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "settings", "set", "registration.mode", "closed")
	if code != 0 || !strings.Contains(stdout, `"closed"`) {
		t.Fatalf("set: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "settings", "get", "registration.mode")
	if code != 0 || strings.TrimSpace(stdout) != `"closed"` {
		t.Fatalf("get after set: %d %q", code, stdout)
	}
	code, _, _ = runCLI(t, env, "settings", "set", "password.min_length", "12")
	if code != 0 {
		t.Fatal("set min length")
	}
	code, stdout, stderr = runCLI(t, env, "settings", "set", "session.idle_timeout", "45m")
	if code != 0 || !strings.Contains(stdout, `session.idle_timeout	"45m0s"`) {
		t.Fatalf("set idle timeout: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "settings", "get")
	if code != 0 || !strings.Contains(stdout, `session.idle_timeout	"45m0s"`) || !strings.Contains(stdout, `password.min_length	12`) {
		t.Fatalf("get all: %d\n%s", code, stdout)
	}
	for _, tc := range [][]string{
		{"settings", "set", "registration.mode", "lottery"},
		{"settings", "set", "shoe.size", "44"},
		{"settings", "set", "password.min_length", "many"},
		{"settings", "set", "registration.mode"},
		{"settings", "set", "session.idle_timeout", "soon"},
		{"settings", "set", "session.idle_timeout", "1s"},
	} {
		if code, _, stderr := runCLI(t, env, tc...); code != 2 {
			t.Errorf("%v: %d %q, want usage error", tc, code, stderr)
		}
	}
	code, stdout, _ = runCLI(t, env, "settings", "get", "registration.mode")
	if strings.TrimSpace(stdout) != `"closed"` {
		t.Errorf("a refused set changed the mode: %q", stdout)
	}
}

func timeNowPlusHour() time.Time { return time.Now().Add(time.Hour) }
