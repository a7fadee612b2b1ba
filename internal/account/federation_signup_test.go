package account

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestFederatedSignupNeedsCaptchaAndFields: an unknown upstream identity
// creates no user until its browser has solved the captcha and given the
// required fields the upstream did not supply; wrong answers are field
// errors; the answers end up on the user.
func TestFederatedSignupNeedsCaptchaAndFields(t *testing.T) {
	ctx := t.Context()
	noUser := func(t *testing.T, e *regEnv, email string) {
		t.Helper()
		if _, err := e.store.Users().ByLogin(ctx, email); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a user %s exists before the sign-up was completed: %v", email, err)
		}
	}

	t.Run("shape C: captcha, country and terms", func(t *testing.T) {
		rs := shapeC(t)
		e := newRegEnv(t, rs)
		id := fedID("c1", "cy@example.com", true)
		need := FederatedSignupSettings(rs, id)
		if got := fieldNames(need.Fields); got != "country,accept_terms" {
			t.Errorf("fields asked = %s, want country,accept_terms", got)
		}
		for _, solved := range []bool{false, true} {
			id.CaptchaSolved = solved
			if _, err := e.r.SignInFederated(ctx, id, ""); !errors.Is(err, ErrFederatedSignupIncomplete) {
				t.Fatalf("captcha solved %v, fields missing: %v, want ErrFederatedSignupIncomplete", solved, err)
			}
			noUser(t, e, "cy@example.com")
		}
		id.Signup = &FederatedSignup{Country: "XX"}
		_, err := e.r.SignInFederated(ctx, id, "")
		re, ok := errors.AsType[*RegistrationError](err)
		if !ok || re.Field(FieldCountry) == nil || re.Field(FieldAcceptTerms) == nil {
			t.Fatalf("wrong answers = %v, want country and accept_terms errors", err)
		}
		noUser(t, e, "cy@example.com")
		id.Signup = &FederatedSignup{Country: "de", AcceptTerms: true, GivenName: "Not used"}
		out, err := e.r.SignInFederated(ctx, id, "")
		if err != nil || !out.Created {
			t.Fatalf("completed sign-up = %+v, %v", out, err)
		}
		u := out.User
		if u.Country != "DE" || u.TermsAcceptedAt.IsZero() || u.GivenName != "Ada" {
			t.Errorf("new user = %+v", u)
		}
	})

	t.Run("shape B: names the upstream did not give", func(t *testing.T) {
		rs := shapeB(t)
		e := newRegEnv(t, rs)
		id := fedID("b1", "bo@example.com", true)
		id.FamilyName = ""
		if got := fieldNames(FederatedSignupSettings(rs, id).Fields); got != "family_name,country" {
			t.Errorf("fields asked = %s, want family_name,country (company is optional, given_name came from upstream)", got)
		}
		if _, err := e.r.SignInFederated(ctx, id, ""); !errors.Is(err, ErrFederatedSignupIncomplete) {
			t.Fatalf("family name missing: %v", err)
		}
		noUser(t, e, "bo@example.com")
		id.Signup = &FederatedSignup{FamilyName: "Byron", Country: "GB"}
		out, err := e.r.SignInFederated(ctx, id, "")
		if err != nil || out.User.FamilyName != "Byron" || out.User.GivenName != "Ada" || out.User.Country != "GB" {
			t.Fatalf("completed sign-up = %+v, %v", out, err)
		}
	})

	t.Run("shape A: only the captcha", func(t *testing.T) {
		rs := shapeA(t)
		e := newRegEnv(t, rs)
		id := fedID("a1", "ny@example.com", true)
		id.CaptchaSolved = false
		if got := FederatedSignupSettings(rs, id).Fields; len(got) != 0 {
			t.Errorf("fields asked = %v, want none (no login: the user signs in through the provider)", got)
		}
		if _, err := e.r.SignInFederated(ctx, id, ""); !errors.Is(err, ErrFederatedSignupIncomplete) {
			t.Fatalf("captcha not solved: %v", err)
		}
		noUser(t, e, "ny@example.com")
		id.Signup = &FederatedSignup{} // the completion page's captcha passed
		if out, err := e.r.SignInFederated(ctx, id, ""); err != nil || !out.Created {
			t.Fatalf("after the captcha = %+v, %v", out, err)
		}
	})

	t.Run("captcha off and nothing to ask: at once", func(t *testing.T) {
		rs := shapeA(t)
		rs.CaptchaProvider = "none"
		e := newRegEnv(t, rs)
		id := fedID("z1", "zed@example.com", true)
		id.CaptchaSolved = false
		if out, err := e.r.SignInFederated(ctx, id, ""); err != nil || !out.Created {
			t.Fatalf("captcha off = %+v, %v", out, err)
		}
	})
}

func fieldNames(fs []RegistrationField) string {
	out := ""
	for i, f := range fs {
		if i > 0 {
			out += ","
		}
		out += f.Name
	}
	return out
}
