package account

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestBootstrapAdmin: an empty database gets one administrator with a
// one-time password the policy accepts and that must be changed at the
// first sign-in; a database with users gets none.
func TestBootstrapAdmin(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	first, ok, err := e.r.BootstrapAdmin(ctx, "admin@localhost")
	if err != nil || !ok {
		t.Fatalf("BootstrapAdmin on an empty database = %v, %v", ok, err)
	}
	u, err := e.store.Users().ByID(ctx, first.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != BootstrapLogin || u.Role != storage.RoleAdmin || u.State != storage.UserActive ||
		!u.PasswordChangeRequired || !u.EmailVerified || u.PasswordHash == "" || u.PasswordHash == first.Password {
		t.Fatalf("first administrator = %+v", u)
	}
	if err := DefaultPasswordPolicy().Check(first.Password, PolicyContext{Login: u.Username, Email: u.Email}); err != nil {
		t.Errorf("the one-time password breaks the policy: %v", err)
	}
	signedIn, err := e.svc.Authenticate(ctx, BootstrapLogin, first.Password, "192.0.2.1")
	if err != nil || !signedIn.PasswordChangeRequired {
		t.Fatalf("sign-in with the one-time password = %+v, %v", signedIn, err)
	}
	// The forced change right after: only the new password, bound to the
	// session the one-time password opened (issue 12: the current one was
	// refused because it was no temporary-password reset).
	_, bs, err := e.svc.StartSession(ctx, u.ID, SessionOptions{AMR: []string{"pwd"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.ChangePassword(ctx, u.ID, bs.ID, PasswordChange{New: "quiet meadow lantern", Confirm: "quiet meadow lantern"}, "192.0.2.1"); err != nil {
		t.Fatalf("forced change after the one-time password: %v", err)
	}
	if again, err := e.svc.Authenticate(ctx, BootstrapLogin, "quiet meadow lantern", "192.0.2.1"); err != nil || again.PasswordChangeRequired {
		t.Fatalf("sign-in with the new password = %+v, %v", again, err)
	}
	if _, err := e.svc.Authenticate(ctx, BootstrapLogin, first.Password, "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the one-time password still works: %v", err)
	}
	if got := e.events(t, EventAdminBootstrap); len(got) != 1 || got[0].UserID != u.ID {
		t.Errorf("audit = %+v", got)
	}
	if _, ok, err := e.r.BootstrapAdmin(ctx, "admin@localhost"); ok || err != nil {
		t.Fatalf("a second BootstrapAdmin = %v, %v; want nothing made", ok, err)
	}

	other := newRegEnv(t, shapeA(t))
	if _, err := other.svc.CreateUser(ctx, NewUser{Email: "ops@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := other.r.BootstrapAdmin(ctx, "admin@localhost"); ok || err != nil {
		t.Fatalf("BootstrapAdmin with users present = %v, %v; want nothing made", ok, err)
	}
}
