package account

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// fedID is an upstream identity whose browser has solved the sign-up
// captcha (shape A asks nothing more of it).
func fedID(subject, email string, verified bool) FederatedIdentity {
	return FederatedIdentity{Provider: "up", Subject: subject, Email: email, EmailVerified: verified,
		GivenName: "Ada", FamilyName: "Lovelace", AllowSignup: true, Locale: "ru", CaptchaSolved: true}
}

func TestSignInFederatedOutcomes(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()

	out, err := e.r.SignInFederated(ctx, fedID("s1", "ada@example.com", false), "192.0.2.1")
	if err != nil || out.Kind != FederatedSignedIn || !out.Created {
		t.Fatalf("sign-up = %+v, %v", out, err)
	}
	u := out.User
	if u.State != storage.UserActive || u.EmailVerified || u.PasswordHash != "" || u.Locale != "ru" || u.GivenName != "Ada" {
		t.Fatalf("new user = %+v", u)
	}
	again, err := e.r.SignInFederated(ctx, fedID("s1", "changed@example.com", true), "192.0.2.1")
	if err != nil || again.User.ID != u.ID || again.Created {
		t.Fatalf("known identity = %+v, %v", again, err)
	}

	// Another identity with the same (unverified here) address: refused.
	if _, err := e.r.SignInFederated(ctx, fedID("s2", "ADA@example.com", true), ""); !errors.Is(err, ErrFederatedEmailTaken) {
		t.Fatalf("address of another account = %v", err)
	}
	if _, err := e.r.SignInFederated(ctx, fedID("s3", "", true), ""); !errors.Is(err, ErrFederatedNoEmail) {
		t.Fatalf("no address = %v", err)
	}
	noSignup := fedID("s4", "bo@example.com", true)
	noSignup.AllowSignup = false
	if _, err := e.r.SignInFederated(ctx, noSignup, ""); !errors.Is(err, ErrFederatedSignupRefused) {
		t.Fatalf("allow_signup off = %v", err)
	}

	e.setMode(t, ModeAudit)
	out, err = e.r.SignInFederated(ctx, fedID("s5", "cy@example.com", true), "")
	if err != nil || out.Kind != FederatedAwaitingApproval || out.User.State != storage.UserPendingApproval {
		t.Fatalf("audit mode = %+v, %v", out, err)
	}
	if _, err := e.r.SignInFederated(ctx, fedID("s5", "cy@example.com", true), ""); !errors.Is(err, ErrPendingApproval) {
		t.Fatalf("pending user again = %v", err)
	}
	e.setMode(t, ModeClosed)
	if _, err := e.r.SignInFederated(ctx, fedID("s6", "di@example.com", true), ""); !errors.Is(err, ErrFederatedSignupRefused) {
		t.Fatalf("closed mode = %v", err)
	}
	if _, err := e.r.SignInFederated(ctx, fedID("s1", "", false), ""); err != nil {
		t.Fatalf("closed mode, known identity = %v", err)
	}
	e.setMode(t, ModeInvite) // issue 16: only an invitation's link registers
	if _, err := e.r.SignInFederated(ctx, fedID("s7", "ed@example.com", true), ""); !errors.Is(err, ErrFederatedSignupRefused) {
		t.Fatalf("invite mode = %v", err)
	}
	if _, err := e.r.SignInFederated(ctx, fedID("s1", "", false), ""); err != nil {
		t.Fatalf("invite mode, known identity = %v", err)
	}
}

func TestLinkAndUnlinkIdentity(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	out, err := e.r.SignInFederated(ctx, fedID("s1", "ada@example.com", true), "")
	if err != nil {
		t.Fatal(err)
	}
	userID := out.User.ID
	ids, err := e.r.Identities(ctx, userID)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities = %+v, %v", ids, err)
	}
	if err := e.r.UnlinkIdentity(ctx, userID, ids[0].ID, ""); !errors.Is(err, ErrLastSignInMethod) {
		t.Fatalf("unlink the only method = %v", err)
	}
	second := fedID("s2", "other@example.com", false)
	second.Provider = "gh"
	if err := e.r.LinkIdentity(ctx, userID, second, ""); err != nil {
		t.Fatalf("link = %v", err)
	}
	if err := e.r.LinkIdentity(ctx, userID, second, ""); err != nil {
		t.Fatalf("link again = %v", err)
	}
	other, err := e.r.SignInFederated(ctx, fedID("s9", "bo@example.com", true), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.LinkIdentity(ctx, other.User.ID, second, ""); !errors.Is(err, ErrIdentityTaken) {
		t.Fatalf("link another user's identity = %v", err)
	}
	if err := e.r.UnlinkIdentity(ctx, other.User.ID, ids[0].ID, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unlink another user's identity = %v", err)
	}
	if err := e.r.UnlinkIdentity(ctx, userID, ids[0].ID, ""); err != nil {
		t.Fatalf("unlink with another identity left = %v", err)
	}
	ids, _ = e.r.Identities(ctx, userID)
	if len(ids) != 1 || ids[0].Provider != "gh" {
		t.Fatalf("identities after unlink = %+v", ids)
	}

	// An address confirmed later drops identities linked before.
	u, err := e.store.Users().ByID(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	u.EmailVerified = false
	err = e.store.InTx(ctx, func(tx storage.Tx) error { return e.r.dropUnconfirmedIdentities(ctx, tx, u, "") })
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ = e.r.Identities(ctx, userID); len(ids) != 0 {
		t.Fatalf("identities after confirming the address = %+v", ids)
	}
}

// TestResetDropsIdentitiesOfUnconfirmedAddress: pre-hijack through an
// upstream (SECURITY 12). Someone signs up through a provider that does
// not vouch for victim@'s address; when the owner of the mailbox resets
// the password (a link or a temporary password), the identity linked
// before goes, its session ends, and it cannot sign in again.
func TestResetDropsIdentitiesOfUnconfirmedAddress(t *testing.T) {
	for _, style := range []ResetStyle{ResetLink, ResetTemporary} {
		t.Run(string(style), func(t *testing.T) {
			rs := shapeA(t)
			rs.Reset = ResetSettings{Style: style}
			e := newRegEnv(t, rs)
			ctx := t.Context()
			attacker := fedID("evil", "victim@example.com", false)
			out, err := e.r.SignInFederated(ctx, attacker, "192.0.2.66")
			if err != nil || !out.Created || out.User.EmailVerified {
				t.Fatalf("attacker's sign-up = %+v, %v", out, err)
			}
			bs := startTestSession(t, e, out.User.ID)

			if err := e.r.RequestReset(ctx, ResetRequest{Email: "victim@example.com"}, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			switch style {
			case ResetLink:
				token := tokenOf(t, e.lastLetter(t, LetterResetLink, "victim@example.com"))
				if _, err := e.r.CompleteResetWithPassword(ctx, token, "the owner's secret", "the owner's secret", "192.0.2.1"); err != nil {
					t.Fatal(err)
				}
			case ResetTemporary:
				temp := e.passwordOf(t, e.lastLetter(t, LetterResetTemporary, "victim@example.com"))
				if _, err := e.r.UseTemporaryPassword(ctx, "victim@example.com", temp, "192.0.2.1"); err != nil {
					t.Fatal(err)
				}
			}
			if ids, err := e.r.Identities(ctx, out.User.ID); err != nil || len(ids) != 0 {
				t.Fatalf("identities after the owner's reset = %+v, %v", ids, err)
			}
			if u := e.user(t, "victim@example.com"); !u.EmailVerified {
				t.Fatal("a completed reset proves the mailbox; the address should be verified")
			}
			if _, _, err := e.svc.SessionFromCookie(ctx, bs); !errors.Is(err, ErrNoSession) {
				t.Fatalf("the attacker's session after the reset: %v", err)
			}
			if _, err := e.r.SignInFederated(ctx, attacker, "192.0.2.66"); !errors.Is(err, ErrFederatedEmailTaken) {
				t.Fatalf("the attacker's identity after the reset = %v, want ErrFederatedEmailTaken", err)
			}
			got := e.events(t, EventIdentityUnlinked)
			if len(got) != 1 || got[0].Details["reason"] != "address_confirmed" {
				t.Fatalf("audit of the dropped identity = %+v", got)
			}
		})
	}
}
