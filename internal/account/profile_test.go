package account

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func profileOf(u storage.User) ProfileInput {
	return ProfileInput{Login: u.Username, Email: u.Email, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Company: u.Company, Country: u.Country, Locale: u.Locale, Version: ProfileVersion(u)}
}

func TestUpdateProfileFields(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	in := profileOf(u)
	in.GivenName, in.FamilyName, in.Company, in.Country, in.Locale = " Ada ", "Lovelace", "Engines", "gb", "ru"
	out, err := e.r.UpdateProfile(ctx, u.ID, in, "192.0.2.1")
	if err != nil || out.EmailChangeSent != "" {
		t.Fatalf("UpdateProfile = %+v, %v", out, err)
	}
	got := e.user(t, "ada@example.test")
	if got.GivenName != "Ada" || got.Country != "GB" || got.Locale != "ru" || got.Company != "Engines" {
		t.Fatalf("saved %+v", got)
	}
	if ev := e.events(t, EventProfileUpdated); len(ev) != 1 || ev[0].Details["fields"] == "" {
		t.Fatalf("audit %+v", ev)
	}
	// The form read before the save is stale now.
	if _, err := e.r.UpdateProfile(ctx, u.ID, in, ""); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale form: %v", err)
	}
}

func TestUpdateProfileRefusesBadInput(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	other, err := e.svc.CreateUser(ctx, NewUser{Email: "grace@example.test", Username: "grace", Password: resetOldPassword})
	if err != nil {
		t.Fatal(err)
	}
	_ = other
	in := profileOf(u)
	in.Login, in.Email, in.GivenName, in.Country, in.Locale = "a b", "not-an-address", "Ada\r\nBcc: x", "XX", "fr"
	_, err = e.r.UpdateProfile(ctx, u.ID, in, "")
	for _, f := range []string{FieldLogin, FieldEmail, FieldGivenName, FieldCountry, FieldLocale} {
		if fieldReason(err, f) == nil {
			t.Errorf("%s not refused: %v", f, err)
		}
	}
	in = profileOf(u)
	in.Login = "GRACE"
	if _, err := e.r.UpdateProfile(ctx, u.ID, in, ""); fieldReason(err, FieldLogin) != ErrTaken {
		t.Fatalf("taken login: %v", err)
	}
	if got := e.user(t, "ada@example.test"); got.Username != "ada" {
		t.Fatalf("a refused save changed the login to %q", got.Username)
	}
}

func TestEmailChangeNeedsConfirmation(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	in := profileOf(u)
	in.Email = "ada@new.example.test"
	out, err := e.r.UpdateProfile(ctx, u.ID, in, "")
	if err != nil || out.EmailChangeSent != "ada@new.example.test" {
		t.Fatalf("UpdateProfile = %+v, %v", out, err)
	}
	all := e.letters(t)
	if len(all) != 2 || all[0].Kind != LetterEmailChangeConfirm || all[0].To != "ada@new.example.test" ||
		all[1].Kind != LetterEmailChangeNotice || all[1].To != "ada@example.test" {
		t.Fatalf("letters %+v", all)
	}
	token := tokenOf(t, all[0])
	if got := e.user(t, "ada@example.test"); got.Email != "ada@example.test" {
		t.Fatal("the address changed before confirmation")
	}
	if info, err := e.r.PeekEmailChange(ctx, token); err != nil || info.State != LinkValid || info.Email != "ada@new.example.test" {
		t.Fatalf("peek %+v %v", info, err)
	}
	got, err := e.r.ConfirmEmailChange(ctx, token, "")
	if err != nil || got.Email != "ada@new.example.test" || !got.EmailVerified {
		t.Fatalf("confirm = %+v, %v", got, err)
	}
	if _, err := e.r.ConfirmEmailChange(ctx, token, ""); !errors.Is(err, ErrLinkUsed) {
		t.Fatalf("second confirm: %v", err)
	}
	if !e.signsIn(t, resetOldPassword) {
		t.Fatal("cannot sign in after the change")
	}
}

func TestEmailChangeToTakenAddress(t *testing.T) {
	e, u := newResetEnv(t, ResetLink)
	ctx := t.Context()
	in := profileOf(u)
	in.Email = "later@example.test"
	if _, err := e.r.UpdateProfile(ctx, u.ID, in, ""); err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, e.letters(t)[0])
	if _, err := e.svc.CreateUser(ctx, NewUser{Email: "later@example.test", Password: resetOldPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.ConfirmEmailChange(ctx, token, ""); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("taken meanwhile: %v", err)
	}
	n := len(e.letters(t))
	in = profileOf(e.user(t, "ada@example.test"))
	in.Email = "later@example.test"
	out, err := e.r.UpdateProfile(ctx, u.ID, in, "")
	if err != nil || out.EmailChangeSent != "later@example.test" || len(e.letters(t)) != n {
		t.Fatalf("taken address: %+v, %v, letters %d -> %d", out, err, n, len(e.letters(t)))
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{"ada@example.test": "a***@example.test", "grace@x.test": "gr***@x.test", "x@y": "***@y"} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}
