package account

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// auditShapeA is shape A in audit mode.
func auditShapeA(t *testing.T) RegistrationSettings {
	rs := shapeA(t)
	rs.Mode = ModeAudit
	return rs
}

// Audit mode: confirming leads to pending_approval with a letter; sign-in
// is refused until an administrator approves, then works.
func TestAuditModeApprove(t *testing.T) {
	e := newRegEnv(t, auditShapeA(t))
	ctx := t.Context()
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	conf, err := e.r.ConfirmEmail(ctx, tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "ada@example.com")), "analytical engine", "")
	if err != nil || conf.State != storage.UserPendingApproval {
		t.Fatalf("ConfirmEmail = %+v, %v", conf, err)
	}
	kinds := []string{}
	for _, m := range e.letters(t) {
		kinds = append(kinds, m.Kind)
	}
	if strings.Join(kinds, ",") != "verify_email,awaiting_approval" {
		t.Fatalf("letters = %v", kinds)
	}
	if _, err := e.svc.Authenticate(ctx, "ada", "analytical engine", ""); !errors.Is(err, ErrPendingApproval) {
		t.Fatalf("sign-in before approval = %v", err)
	}
	u, err := e.r.Approve(ctx, conf.UserID, "admin-1")
	if err != nil || u.State != storage.UserActive {
		t.Fatalf("Approve = %+v, %v", u, err)
	}
	e.lastLetter(t, LetterAccountActive, "ada@example.com")
	if _, err := e.svc.Authenticate(ctx, "ada", "analytical engine", ""); err != nil {
		t.Fatalf("sign-in after approval: %v", err)
	}
	ev := e.events(t, EventRegistrationApproved)
	if len(ev) != 1 || ev[0].ActorID != "admin-1" || ev[0].UserID != u.ID {
		t.Fatalf("audit = %+v", ev)
	}
	if _, err := e.r.Approve(ctx, u.ID, ""); !errors.Is(err, ErrStateConflict) || !strings.Contains(err.Error(), "active") {
		t.Fatalf("approving an active user = %v, want ErrStateConflict naming the state", err)
	}
}

// Rejection ends the registration for good, with the reason in the letter.
func TestAuditModeReject(t *testing.T) {
	e := newRegEnv(t, auditShapeA(t))
	ctx := t.Context()
	e.register(t, inputA("eve", "eve@example.com", "pebble forest anthem"))
	conf, err := e.r.ConfirmEmail(ctx, tokenOf(t, e.lastLetter(t, LetterVerifyEmail, "eve@example.com")), "pebble forest anthem", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Reject(ctx, conf.UserID, "", "bad\x00reason"); !errors.Is(err, ErrSyntax) {
		t.Fatalf("control characters in the reason = %v", err)
	}
	if _, err := e.r.Reject(ctx, conf.UserID, "", strings.Repeat("x", 1001)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("long reason = %v", err)
	}
	u, err := e.r.Reject(ctx, conf.UserID, "", "Not a member.\nSorry.")
	if err != nil || u.State != storage.UserRejected {
		t.Fatalf("Reject = %+v, %v", u, err)
	}
	m := e.lastLetter(t, LetterRegistrationRejected, "eve@example.com")
	if !strings.Contains(m.HTMLBody, "reason=Not a member.\nSorry.") {
		t.Errorf("letter data = %q", m.HTMLBody)
	}
	if _, err := e.svc.Authenticate(ctx, "eve", "pebble forest anthem", ""); !errors.Is(err, ErrRejected) {
		t.Fatalf("sign-in after rejection = %v", err)
	}
	if ev := e.events(t, EventRegistrationRejected); len(ev) != 1 || ev[0].Details["reason"] == "" {
		t.Fatalf("audit = %+v", ev)
	}
	for _, call := range []func() error{
		func() error { _, err := e.r.Approve(ctx, u.ID, ""); return err },
		func() error { _, err := e.r.Reject(ctx, u.ID, "", ""); return err },
	} {
		if err := call(); !errors.Is(err, ErrStateConflict) {
			t.Errorf("deciding a rejected user again = %v, want ErrStateConflict", err)
		}
	}
}

// Approval out of order fails: an unconfirmed user cannot be approved,
// nor an unknown one.
func TestApproveWrongStates(t *testing.T) {
	e := newRegEnv(t, auditShapeA(t))
	ctx := t.Context()
	e.register(t, inputA("ada", "ada@example.com", "analytical engine"))
	pending := e.user(t, "ada")
	if _, err := e.r.Approve(ctx, pending.ID, ""); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("approving an unconfirmed user = %v", err)
	}
	if _, err := e.r.Approve(ctx, "no-such-user", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("approving an unknown user = %v", err)
	}
	if u := e.user(t, "ada"); u.State != storage.UserPendingVerification {
		t.Fatalf("state changed to %s", u.State)
	}
}
