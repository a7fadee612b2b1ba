package account

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

const (
	pkIssuer = "https://id.example.test"
	pkRPID   = "id.example.test"
)

// passkeyEnv is a user with one passkey of a software authenticator.
type passkeyEnv struct {
	*mfaEnv
	p       *Passkeys
	a       *testharness.SoftAuthenticator
	browser []byte
}

func newPasskeyEnv(t *testing.T) *passkeyEnv {
	t.Helper()
	e := newMFAEnv(t)
	p, err := NewPasskeys(e.r, e.store, pkIssuer, "Gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	pe := &passkeyEnv{mfaEnv: e, p: p, a: testharness.NewSoftAuthenticator(), browser: []byte("browser-1")}
	opts, err := p.BeginRegistration(t.Context(), e.u, pe.browser)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := pe.a.Register(opts, pkRPID, pkIssuer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishRegistration(t.Context(), e.u, pe.browser, "Laptop", cred, "192.0.2.1"); err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return pe
}

// begin starts a discoverable sign-in in browser and returns its challenge.
func (e *passkeyEnv) begin(t *testing.T, browser []byte) string {
	t.Helper()
	opts, err := e.p.BeginSignIn(t.Context(), PasskeySignIn, "", browser)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := testharness.Challenge(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func (e *passkeyEnv) finish(t *testing.T, browser, cred []byte) (PasskeySignInResult, error) {
	t.Helper()
	return e.p.FinishSignIn(t.Context(), PasskeySignIn, "", browser, cred, "192.0.2.1")
}

func TestPasskeySignInIsMultiFactor(t *testing.T) {
	e := newPasskeyEnv(t)
	cred, err := e.a.Assert(e.begin(t, e.browser), pkRPID, pkIssuer)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.finish(t, e.browser, cred)
	if err != nil {
		t.Fatalf("FinishSignIn: %v", err)
	}
	if res.User.ID != e.u.ID || !mfa.HasSecondFactor(res.AMR) || res.AMR[0] != mfa.AMRHardwareKey {
		t.Fatalf("result %+v", res)
	}
	on, err := e.f.Enabled(t.Context(), e.u.ID)
	if err != nil || !on {
		t.Fatalf("a user with a passkey has a second factor: %v %v", on, err)
	}
}

// TestPasskeyAssertionsRefused: a replayed assertion, an assertion for
// another origin or another RP ID, a challenge of another browser, an
// expired challenge and a counter that does not move forward (audited as
// a possible clone) are all refused.
func TestPasskeyAssertionsRefused(t *testing.T) {
	e := newPasskeyEnv(t)
	ctx := t.Context()
	refused := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrPasskeyRefused) {
			t.Fatalf("%s: err = %v, want ErrPasskeyRefused", name, err)
		}
	}

	// Replay: the same assertion twice; the challenge is spent.
	cred, _ := e.a.Assert(e.begin(t, e.browser), pkRPID, pkIssuer)
	if _, err := e.finish(t, e.browser, cred); err != nil {
		t.Fatal(err)
	}
	_, err := e.finish(t, e.browser, cred)
	refused("replay", err)

	// Another origin (a phishing site relaying the challenge).
	ch := e.begin(t, e.browser)
	cred, _ = e.a.Assert(ch, pkRPID, "https://id.example.test.evil.example")
	_, err = e.finish(t, e.browser, cred)
	refused("other origin", err)
	// The challenge of that refused attempt is spent too.
	cred, _ = e.a.Assert(ch, pkRPID, pkIssuer)
	_, err = e.finish(t, e.browser, cred)
	refused("challenge after a refusal", err)

	// Another RP ID.
	cred, _ = e.a.Assert(e.begin(t, e.browser), "evil.example", pkIssuer)
	_, err = e.finish(t, e.browser, cred)
	refused("other rp id", err)

	// A challenge started in another browser.
	cred, _ = e.a.Assert(e.begin(t, []byte("browser-2")), pkRPID, pkIssuer)
	_, err = e.finish(t, e.browser, cred)
	refused("other browser", err)

	// Expired: 5 minutes and a second later.
	ch = e.begin(t, e.browser)
	e.clock.Advance(mfa.PasskeyChallengeLifetime + time.Second)
	cred, _ = e.a.Assert(ch, pkRPID, pkIssuer)
	_, err = e.finish(t, e.browser, cred)
	refused("expired", err)

	// A counter that goes backwards: refused and audited.
	cred, _ = e.a.AssertWithCounter(e.begin(t, e.browser), pkRPID, pkIssuer, 1)
	_, err = e.finish(t, e.browser, cred)
	refused("counter backwards", err)
	if !errors.Is(err, mfa.ErrCounterRegressed) {
		t.Fatalf("counter: %v", err)
	}
	events, err := e.store.Audit().List(ctx, storage.AuditFilter{UserID: e.u.ID, Type: EventPasskeyClone})
	if err != nil || len(events.Items) != 1 {
		t.Fatalf("clone audit events: %+v, %v", events.Items, err)
	}

	// The right one still works.
	cred, _ = e.a.Assert(e.begin(t, e.browser), pkRPID, pkIssuer)
	if _, err := e.finish(t, e.browser, cred); err != nil {
		t.Fatalf("after refusals: %v", err)
	}
}

func TestPasskeyBlockedUserGetsStateError(t *testing.T) {
	e := newPasskeyEnv(t)
	u, err := e.store.Users().ByID(t.Context(), e.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.State = storage.UserBlocked
	if err := e.store.Users().Update(t.Context(), &u); err != nil {
		t.Fatal(err)
	}
	cred, _ := e.a.Assert(e.begin(t, e.browser), pkRPID, pkIssuer)
	if _, err := e.finish(t, e.browser, cred); !errors.Is(err, ErrBlocked) {
		t.Fatalf("blocked: %v", err)
	}
}

func TestPasskeyLastWayToSignInKept(t *testing.T) {
	e := newPasskeyEnv(t)
	ctx := t.Context()
	list, err := e.p.List(ctx, e.u.ID)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	// With a password the passkey can go; without one it is the last way.
	u, err := e.store.Users().ByID(ctx, e.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = ""
	if err := e.store.Users().Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Remove(ctx, e.u.ID, list[0].ID, e.u.ID, ""); !errors.Is(err, ErrLastSignInMethod) {
		t.Fatalf("removing the last passkey of a user without password: %v", err)
	}
	if err := e.p.Rename(ctx, e.u.ID, list[0].ID, "  ", ""); !errors.Is(err, ErrPasskeyNameInvalid) {
		t.Fatalf("blank name: %v", err)
	}
}

// TestUnlinkLastIdentityWithPasskey: a user without a password may unlink
// the last identity while a passkey still signs them in.
func TestUnlinkLastIdentityWithPasskey(t *testing.T) {
	e := newPasskeyEnv(t)
	ctx := t.Context()
	u, err := e.store.Users().ByID(ctx, e.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = ""
	if err := e.store.Users().Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	ident := storage.Identity{UserID: e.u.ID, Provider: "gh", Subject: "42", Email: "ada@example.test"}
	if err := e.store.Identities().Create(ctx, &ident); err != nil {
		t.Fatal(err)
	}
	if err := e.r.UnlinkIdentity(ctx, e.u.ID, ident.ID, ""); err != nil {
		t.Fatalf("unlink with a passkey left: %v", err)
	}
}
