package account

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// mfaEnv is a Registrar with two-step verification over SQLite.
type mfaEnv struct {
	*regEnv
	f *SecondFactors
	u storage.User
}

func newMFAEnv(t *testing.T) *mfaEnv {
	t.Helper()
	e := newRegEnv(t, DefaultRegistrationSettings())
	var key [32]byte
	copy(key[:], "0123456789abcdef0123456789abcdef")
	f, err := NewSecondFactors(e.r, e.store, [][32]byte{key}, "Gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.svc.CreateUser(t.Context(), NewUser{Email: "ada@example.test", Username: "ada", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return &mfaEnv{regEnv: e, f: f, u: u}
}

func (e *mfaEnv) code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: mfa.Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol turns TOTP on and returns the secret and the recovery codes.
func (e *mfaEnv) enrol(t *testing.T) (string, []string) {
	t.Helper()
	en, err := e.f.BeginTOTP(t.Context(), e.u)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := e.f.ConfirmTOTP(t.Context(), e.u.ID, e.code(t, en.Secret, e.clock.Now()), "192.0.2.1")
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	return en.Secret, codes
}

func TestEnrolmentActivatesOnlyAfterAValidCode(t *testing.T) {
	e := newMFAEnv(t)
	ctx := t.Context()
	en, err := e.f.BeginTOTP(ctx, e.u)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.f.BeginTOTP(ctx, e.u)
	if err != nil || again.Secret != en.Secret {
		t.Fatalf("a reload shows another key: %v", err)
	}
	stored, err := e.store.MFA().TOTP(ctx, e.u.ID)
	if err != nil || strings.Contains(string(stored.SecretEnc), en.Secret) {
		t.Fatalf("the secret must be stored encrypted: %v", err)
	}
	if on, _ := e.f.Enabled(ctx, e.u.ID); on {
		t.Fatal("pending enrolment counts as on")
	}
	if _, err := e.f.ConfirmTOTP(ctx, e.u.ID, "000000", ""); !errors.Is(err, ErrWrongCode) {
		if e.code(t, en.Secret, e.clock.Now()) != "000000" {
			t.Fatalf("wrong code: %v", err)
		}
	}
	codes, err := e.f.ConfirmTOTP(ctx, e.u.ID, e.code(t, en.Secret, e.clock.Now()), "")
	if err != nil || len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("ConfirmTOTP = %d codes, %v", len(codes), err)
	}
	st, err := e.f.Status(ctx, e.u.ID)
	if err != nil || !st.TOTP || st.RecoveryCodes != 10 || !st.Since.Equal(e.clock.Now()) {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	e.lastLetter(t, LetterMFAEnabled, "ada@example.test")
	if len(e.events(t, EventMFAEnabled)) != 1 {
		t.Fatal("enrolment not audited")
	}
	if _, err := e.f.BeginTOTP(ctx, e.u); !errors.Is(err, ErrMFAAlreadyEnabled) {
		t.Fatalf("BeginTOTP when on: %v", err)
	}
}

func TestCodeReplayAndOldCodesAreRefused(t *testing.T) {
	e := newMFAEnv(t)
	ctx := t.Context()
	secret, _ := e.enrol(t)
	// The enrolment's code is spent.
	if err := e.f.Verify(ctx, e.u.ID, e.code(t, secret, e.clock.Now()), ""); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("enrolment code reused: %v", err)
	}
	e.clock.Advance(mfa.Period * time.Second)
	c := e.code(t, secret, e.clock.Now())
	if err := e.f.Verify(ctx, e.u.ID, c, ""); err != nil {
		t.Fatalf("fresh code: %v", err)
	}
	if err := e.f.Verify(ctx, e.u.ID, c, ""); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("code used twice: %v", err)
	}
	e.clock.Advance(3 * mfa.Period * time.Second)
	old := e.code(t, secret, e.clock.Now().Add(-2*mfa.Period*time.Second))
	if err := e.f.Verify(ctx, e.u.ID, old, ""); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("code two steps old: %v", err)
	}
	if n := len(e.events(t, EventMFAFailure)); n != 3 {
		t.Fatalf("%d failures audited, want 3", n)
	}
}

func TestRecoveryCodeWorksOnceAndIsMailed(t *testing.T) {
	e := newMFAEnv(t)
	ctx := t.Context()
	_, codes := e.enrol(t)
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	if err := e.f.Verify(ctx, e.u.ID, typed, ""); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	e.lastLetter(t, LetterRecoveryCodeUsed, "ada@example.test")
	used := e.events(t, EventMFARecoveryUsed)
	if len(used) != 1 || used[0].Details["left"] != "9" {
		t.Fatalf("recovery use audited as %+v", used)
	}
	if err := e.f.Verify(ctx, e.u.ID, codes[3], ""); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("recovery code used twice: %v", err)
	}
	fresh, err := e.f.RegenerateRecoveryCodes(ctx, e.u.ID, "")
	if err != nil || len(fresh) != 10 {
		t.Fatalf("regenerate: %v", err)
	}
	e.lastLetter(t, LetterRecoveryRegenerated, "ada@example.test")
	if err := e.f.Verify(ctx, e.u.ID, codes[4], ""); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("an old code works after regeneration: %v", err)
	}
	if err := e.f.Verify(ctx, e.u.ID, fresh[0], ""); err != nil {
		t.Fatalf("a new code: %v", err)
	}
}

func TestWrongCodesShareThePasswordThrottle(t *testing.T) {
	e := newMFAEnv(t)
	ctx := t.Context()
	secret, _ := e.enrol(t)
	limit := DefaultThrottleOptions().PerAccount
	for i := range limit {
		if err := e.f.Verify(ctx, e.u.ID, "abcde-fghjk", ""); !errors.Is(err, ErrWrongCode) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	e.clock.Advance(mfa.Period * time.Second)
	err := e.f.Verify(ctx, e.u.ID, e.code(t, secret, e.clock.Now()), "")
	if !errors.Is(err, ErrThrottled) {
		t.Fatalf("a correct code past the limit: %v, want ErrThrottled", err)
	}
	// The wrong codes count against the password too.
	if _, err := e.svc.Authenticate(ctx, "ada", "correct horse battery", "192.0.2.9"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("password after wrong codes: %v, want ErrThrottled", err)
	}
	e.clock.Advance(DefaultThrottleOptions().Window + time.Minute)
	if err := e.f.Verify(ctx, e.u.ID, e.code(t, secret, e.clock.Now()), ""); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestAdministratorTurnsMFAOff(t *testing.T) {
	e := newMFAEnv(t)
	ctx := t.Context()
	_, codes := e.enrol(t)
	if err := e.f.Disable(ctx, e.u.ID, "admin-1", ""); err != nil {
		t.Fatal(err)
	}
	e.lastLetter(t, LetterMFADisabled, "ada@example.test")
	ev := e.events(t, EventMFADisabled)
	if len(ev) != 1 || ev[0].ActorID != "admin-1" {
		t.Fatalf("disable audited as %+v", ev)
	}
	if on, _ := e.f.Enabled(ctx, e.u.ID); on {
		t.Fatal("still on")
	}
	if err := e.f.Verify(ctx, e.u.ID, codes[0], ""); !errors.Is(err, ErrMFANotEnabled) {
		t.Fatalf("recovery code after reset: %v", err)
	}
	if err := e.f.Disable(ctx, e.u.ID, "admin-1", ""); !errors.Is(err, ErrMFANotEnabled) {
		t.Fatalf("second disable: %v", err)
	}
	if err := e.f.Disable(ctx, "nobody", "admin-1", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestPendingSignInIsSealedAndExpires(t *testing.T) {
	e := newMFAEnv(t)
	tok := e.f.SealPending(PendingSignIn{UserID: e.u.ID, AMR: []string{"pwd"}, Persistent: true})
	p, err := e.f.OpenPending(tok)
	if err != nil || p.UserID != e.u.ID || !p.Persistent || p.AMR[0] != "pwd" {
		t.Fatalf("OpenPending = %+v, %v", p, err)
	}
	bad := []byte(tok)
	bad[len(bad)/2] ^= 1
	if _, err := e.f.OpenPending(string(bad)); !errors.Is(err, ErrPendingInvalid) {
		t.Fatalf("altered token: %v", err)
	}
	e.clock.Advance(PendingLifetime)
	if _, err := e.f.OpenPending(tok); !errors.Is(err, ErrPendingInvalid) {
		t.Fatalf("expired token: %v", err)
	}
}

func TestMFAPolicy(t *testing.T) {
	e := newMFAEnv(t)
	ctx := t.Context()
	for _, tc := range []struct {
		policy      mfa.Policy
		user, admin bool
	}{{mfa.PolicyOptional, false, false}, {mfa.PolicyRequiredForAdmins, false, true}, {mfa.PolicyRequired, true, true}} {
		rs, _ := e.r.Settings(ctx)
		rs.MFAPolicy = tc.policy
		if err := e.r.SaveSettings(ctx, rs); err != nil {
			t.Fatal(err)
		}
		for role, want := range map[storage.Role]bool{storage.RoleUser: tc.user, storage.RoleAdmin: tc.admin} {
			u := e.u
			u.Role = role
			if got, err := e.f.MustEnrol(ctx, u); err != nil || got != want {
				t.Errorf("%s, %s: MustEnrol = %v, %v; want %v", tc.policy, role, got, err, want)
			}
		}
	}
	if _, err := e.r.SetSetting(ctx, SettingMFAPolicy, []byte(`"sometimes"`), "admin"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown policy: %v", err)
	}
	e.enrol(t)
	if got, _ := e.f.MustEnrol(ctx, e.u); got {
		t.Fatal("a user with TOTP must still enrol")
	}
}
