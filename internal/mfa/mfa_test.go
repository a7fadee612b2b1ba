package mfa

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMatchAcceptsOneStepEitherSideOnly(t *testing.T) {
	e, err := NewEnrolment("Gatehouse", "ada@example.test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	for _, tc := range []struct {
		name   string
		offset int64
		ok     bool
	}{
		{"now", 0, true}, {"one step old", -1, true}, {"one step ahead", 1, true},
		{"two steps old", -2, false}, {"two steps ahead", 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := now.Add(time.Duration(tc.offset*Period) * time.Second)
			step, err := Match(e.Secret, codeAt(t, e.Secret, at), now)
			if tc.ok && (err != nil || step != Step(at)) {
				t.Fatalf("Match = %d, %v; want step %d", step, err, Step(at))
			}
			if !tc.ok && !errors.Is(err, ErrWrongCode) {
				t.Fatalf("Match of a code %d steps away = %d, %v; want ErrWrongCode", tc.offset, step, err)
			}
		})
	}
	if _, err := Match(e.Secret, "12345", now); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("five digits: %v", err)
	}
	// Spaces typed between the digits do not matter.
	c := codeAt(t, e.Secret, now)
	if _, err := Match(e.Secret, c[:3]+" "+c[3:], now); err != nil {
		t.Fatalf("code with a space: %v", err)
	}
}

func TestEnrolmentQRAndGrouping(t *testing.T) {
	e, err := NewEnrolment("Acme ID", "ada")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Secret) != 32 || !strings.HasPrefix(e.URI, "otpauth://totp/Acme%20ID:ada?") {
		t.Fatalf("enrolment = %+v", e)
	}
	if g := e.GroupedSecret(); strings.ReplaceAll(g, " ", "") != e.Secret || len(strings.Fields(g)) != 8 {
		t.Fatalf("GroupedSecret = %q", g)
	}
	qr, err := e.QRDataURI()
	if err != nil || !strings.HasPrefix(qr, "data:image/png;base64,iVBOR") {
		t.Fatalf("QRDataURI = %.40q, %v", qr, err)
	}
	again := EnrolmentFor("Acme ID", "ada", e.Secret)
	if again.URI != e.URI {
		t.Fatalf("EnrolmentFor URI = %q, want %q", again.URI, e.URI)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || c[5] != '-' || !IsRecoveryCode(NormalizeRecoveryCode(c)) || seen[c] {
			t.Fatalf("bad or repeated code %q", c)
		}
		seen[c] = true
	}
	c := codes[0]
	typed := strings.ToUpper(strings.ReplaceAll(c, "-", " "))
	if string(HashRecoveryCode(typed)) != string(HashRecoveryCode(c)) {
		t.Fatal("a code typed in capitals with a space hashes differently")
	}
	if IsRecoveryCode("123456") || IsTOTPCode(NormalizeRecoveryCode(c)) {
		t.Fatal("TOTP codes and recovery codes must not be mistaken for each other")
	}
}

func TestSealerBindsToUser(t *testing.T) {
	var key [32]byte
	key[0] = 7
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("u1", "JBSWY3DPEHPK3PXP")
	if strings.Contains(string(sealed), "JBSWY3DP") {
		t.Fatal("the secret is stored in clear")
	}
	if got, err := s.Open("u1", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("u2", sealed); !errors.Is(err, ErrUnseal) {
		t.Fatalf("another user's row opened: %v", err)
	}
	key[0] = 8
	other, _ := NewSealer(key)
	if _, err := other.Open("u1", sealed); !errors.Is(err, ErrUnseal) {
		t.Fatalf("another instance key opened it: %v", err)
	}
}

func TestPolicyAndClaims(t *testing.T) {
	if PolicyOptional.Requires("admin") || !PolicyRequiredForAdmins.Requires("admin") ||
		PolicyRequiredForAdmins.Requires("user") || !PolicyRequired.Requires("user") {
		t.Fatal("Requires is wrong")
	}
	if Policy("sometimes").Validate() == nil {
		t.Fatal("unknown policy accepted")
	}
	amr := WithSecondFactor([]string{AMRPassword})
	if !slices.Equal(amr, []string{"pwd", "otp", "mfa"}) || ACR(amr) != "mfa" || ACR([]string{"pwd"}) != "pwd" {
		t.Fatalf("amr %v acr %s", amr, ACR(amr))
	}
	if !slices.Equal(WithSecondFactor(amr), amr) {
		t.Fatal("WithSecondFactor repeats methods")
	}
	if !RequestWantsMFA([]string{"mfa"}, false) || !RequestWantsMFA(nil, true) || RequestWantsMFA([]string{"pwd"}, false) {
		t.Fatal("RequestWantsMFA is wrong")
	}
}

// TestSealerOpensWithOlderKeys: during an instance key rotation a secret
// sealed under the older key still opens (and says so), new seals use the
// current key, and a sealer without the older key refuses it.
func TestSealerOpensWithOlderKeys(t *testing.T) {
	var oldKey, newKey [32]byte
	oldKey[0], newKey[0] = 1, 2
	before, _ := NewSealer(oldKey)
	sealed := before.Seal("u1", "JBSWY3DPEHPK3PXP")
	rotating, err := NewSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, old, err := rotating.OpenWithAge("u1", sealed)
	if err != nil || got != "JBSWY3DPEHPK3PXP" || !old {
		t.Fatalf("open an old seal: %q old=%v %v", got, old, err)
	}
	if _, err := rotating.Open("u2", sealed); !errors.Is(err, ErrUnseal) {
		t.Errorf("another user's row opened: %v", err)
	}
	fresh := rotating.Seal("u1", "JBSWY3DPEHPK3PXP")
	if _, old, err := rotating.OpenWithAge("u1", fresh); err != nil || old {
		t.Errorf("a new seal: old=%v %v", old, err)
	}
	after, _ := NewSealer(newKey)
	if _, err := after.Open("u1", fresh); err != nil {
		t.Errorf("the new key alone does not open a new seal: %v", err)
	}
	if _, err := after.Open("u1", sealed); !errors.Is(err, ErrUnseal) {
		t.Errorf("the new key alone opens an old seal: %v", err)
	}
}
