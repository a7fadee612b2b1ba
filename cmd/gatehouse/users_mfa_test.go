package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// TestUsersMFAReset: the CLI turns off a user's TOTP and recovery codes,
// audits it, queues the letter, and says so; again it says there is
// nothing to turn off; an unknown id fails and a missing one is a usage
// error.
func TestUsersMFAReset(t *testing.T) {
	env := sqliteEnv(t)
	code, stdout, stderr := runCLI(t, env, "users", "create", "--email", "kim@example.com")
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	kim := strings.TrimSpace(stdout)
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		p := storage.TOTP{UserID: kim, SecretEnc: []byte("sealed"), CreatedAt: time.Now()}
		if err := st.MFA().BeginTOTP(ctx, &p); err != nil {
			t.Fatal(err)
		}
		if err := st.MFA().ConfirmTOTP(ctx, kim, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := st.MFA().ReplaceRecoveryCodes(ctx, kim, [][]byte{[]byte("h1")}, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	code, stdout, stderr = runCLI(t, env, "users", "mfa-reset", kim)
	if code != 0 || !strings.Contains(stdout, "turned off") {
		t.Fatalf("mfa-reset: %d %q %q", code, stdout, stderr)
	}
	withTestStore(t, env, func(ctx context.Context, st *sqlstore.Store) {
		if _, err := st.MFA().TOTP(ctx, kim); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("TOTP after the reset: %v", err)
		}
		if n, _ := st.MFA().RecoveryCodesLeft(ctx, kim); n != 0 {
			t.Errorf("%d recovery codes left", n)
		}
		ev, err := st.Audit().List(ctx, storage.AuditFilter{Type: "user.mfa_disabled"})
		if err != nil || len(ev.Items) != 1 || ev.Items[0].UserID != kim {
			t.Errorf("audit %v %v", ev.Items, err)
		}
		letters, _ := st.Outbox().List(ctx, "", 10)
		found := false
		for _, m := range letters.Items {
			found = found || (m.Kind == "mfa_disabled" && m.To == "kim@example.com")
		}
		if !found {
			t.Error("no mfa_disabled letter queued")
		}
	})
	code, stdout, _ = runCLI(t, env, "users", "mfa-reset", kim)
	if code != 0 || !strings.Contains(stdout, "nothing to turn off") {
		t.Fatalf("again: %d %q", code, stdout)
	}
	code, _, stderr = runCLI(t, env, "users", "mfa-reset", "nobody")
	if code != 1 || !strings.Contains(stderr, "no user") {
		t.Fatalf("unknown user: %d %q", code, stderr)
	}
	code, _, _ = runCLI(t, env, "users", "mfa-reset")
	if code != 2 {
		t.Fatalf("no id: exit %d, want 2", code)
	}
	code, stdout, stderr = runCLI(t, env, "users", "mfa-reset", "--help")
	if code != 0 || !strings.Contains(stdout+stderr, "two-step") {
		t.Fatalf("--help: %d %q", code, stdout)
	}
}

// TestClientsCreateRequireMFA: --require-mfa is stored and shown.
func TestClientsCreateRequireMFA(t *testing.T) {
	env := sqliteEnv(t)
	code, _, stderr := runCLI(t, env, "clients", "create", "--id", "strict", "--redirect-uri", "https://app.example.com/cb", "--require-mfa")
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	code, stdout, _ := runCLI(t, env, "clients", "show", "strict")
	if code != 0 || !strings.Contains(stdout, `"require_mfa": true`) {
		t.Fatalf("show: %d\n%s", code, stdout)
	}
}
