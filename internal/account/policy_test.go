package account

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordPolicyCheck(t *testing.T) {
	who := PolicyContext{Login: "ada", Email: "Lovelace@example.com", InstanceName: "Gatehouse"}
	composed := PasswordPolicy{Require: []string{ClassUpper, ClassLower, ClassDigit, ClassSymbol}}
	multibyte := strings.Repeat("ÿ", 30) + strings.Repeat("日本", 14) + "ключ" + "!" + "x" // 64 characters
	if n := len([]rune(multibyte)); n != 64 {
		t.Fatalf("test passphrase has %d characters", n)
	}
	cases := []struct {
		name     string
		policy   PasswordPolicy
		password string
		want     error  // nil: accepted
		detail   string // for ErrMissingClass
	}{
		{"empty", PasswordPolicy{}, "", ErrRequired, ""},
		{"7 characters", PasswordPolicy{}, "vbn.kwz", ErrTooShort, ""},
		{"8 characters", PasswordPolicy{}, "vbn.kwzq", nil, ""},
		{"7 multibyte characters", PasswordPolicy{}, "ÿÿÿÿÿÿÿ", ErrTooShort, ""},
		{"64-character multibyte passphrase", PasswordPolicy{}, multibyte, nil, ""},
		{"129 characters", PasswordPolicy{}, strings.Repeat("q", 129), ErrTooLong, ""},
		{"128 characters", PasswordPolicy{}, strings.Repeat("q", 128), nil, ""},
		{"configured minimum", PasswordPolicy{MinLength: 12}, "elevenchars", ErrTooShort, ""},
		{"16-character lowercase passphrase", PasswordPolicy{}, "correcthorsebatt", nil, ""},
		{"common password1", PasswordPolicy{}, "password1", ErrTooCommon, ""},
		{"common qwerty123", PasswordPolicy{}, "qwerty123", ErrTooCommon, ""},
		{"common in other case", PasswordPolicy{}, "PassWord1", ErrTooCommon, ""},
		{"contains the login", PasswordPolicy{}, "my ADA secret", ErrContainsIdentity, ""},
		{"contains the email local part", PasswordPolicy{}, "lovelace forever", ErrContainsIdentity, ""},
		{"contains the instance name", PasswordPolicy{}, "my gatehouse key", ErrContainsIdentity, ""},
		{"missing upper", composed, "lower 1 symbol!", ErrMissingClass, ClassUpper},
		{"missing lower", composed, "UPPER 1 SYMBOL!", ErrMissingClass, ClassLower},
		{"missing digit", composed, "Upper no digit!", ErrMissingClass, ClassDigit},
		{"missing symbol", composed, "Upper1lower2x", ErrMissingClass, ClassSymbol},
		{"all classes", composed, "Upper1lower2x!", nil, ""},
		{"lowercase passphrase under composition rules", composed, "correcthorsebatt", ErrMissingClass, ClassUpper},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Check(tc.password, who)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			fe, ok := errors.AsType[*FieldError](err)
			if !ok || fe.Field != FieldPassword || fe.Reason != tc.want || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Check = %v, want password field error %v", err, tc.want)
			}
			if tc.detail != "" && fe.Detail != tc.detail {
				t.Fatalf("Detail = %q, want %q", fe.Detail, tc.detail)
			}
			if tc.password != "" && strings.Contains(err.Error(), tc.password) {
				t.Fatalf("the error holds the password: %v", err)
			}
		})
	}
}

func TestPasswordPolicyShortEmailLocalPartIgnored(t *testing.T) {
	// A local part under 3 characters is too short to look for.
	if err := (PasswordPolicy{}).Check("jolly good time", PolicyContext{Email: "jo@example.com"}); err != nil {
		t.Fatalf("Check = %v", err)
	}
}

func TestCommonPasswordsList(t *testing.T) {
	if n := len(commonPasswords()); n != 10000 {
		t.Fatalf("embedded list has %d passwords, want 10000", n)
	}
	for w := range commonPasswords() {
		if w != strings.ToLower(w) || strings.TrimSpace(w) != w {
			t.Fatalf("entry %q is not lowercase and trimmed", w)
		}
	}
}

func TestPasswordPolicyValidate(t *testing.T) {
	for _, p := range []PasswordPolicy{{}, DefaultPasswordPolicy(), {MinLength: 128}, {Require: PasswordClasses()}} {
		if err := p.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", p, err)
		}
	}
	for _, p := range []PasswordPolicy{{MinLength: 7}, {MinLength: 129}, {MinLength: 20, MaxLength: 10}, {Require: []string{"emoji"}}} {
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", p)
		}
	}
}

// The policy is an instance setting: seeded, read through the
// Registrar's cache and by CreateUser, and applied by Register.
func TestPasswordPolicySettingsApplied(t *testing.T) {
	rs := shapeA(t)
	rs.Password = PasswordPolicy{MinLength: 12, Require: []string{ClassDigit, ClassUpper}}
	e := newRegEnv(t, rs)
	ctx := t.Context()
	got, err := e.r.Settings(ctx)
	if err != nil || got.Password.MinLength != 12 || strings.Join(got.Password.Require, ",") != "upper,digit" {
		t.Fatalf("Settings().Password = %+v, %v", got.Password, err)
	}
	p, err := e.svc.PasswordPolicy(ctx)
	if err != nil || p.MinLength != 12 || len(p.Require) != 2 {
		t.Fatalf("Service.PasswordPolicy = %+v, %v", p, err)
	}
	_, err = e.svc.CreateUser(ctx, NewUser{Email: "cli@example.com", Password: "Short1 pass"})
	if !errors.Is(err, ErrTooShort) {
		t.Fatalf("CreateUser with 11 characters = %v, want ErrTooShort", err)
	}
	_, err = e.svc.CreateUser(ctx, NewUser{Email: "cli@example.com", Password: "no digits Here"})
	if fe, ok := errors.AsType[*FieldError](err); !ok || fe.Reason != ErrMissingClass || fe.Detail != ClassDigit {
		t.Fatalf("CreateUser without a digit = %v, want ErrMissingClass digit", err)
	}
	if _, err := e.svc.CreateUser(ctx, NewUser{Email: "cli@example.com", Password: "Long enough 12"}); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	_, err = e.r.Register(ctx, inputA("grace", "grace@example.com", "lowercase only here"), RegisterContext{})
	re, ok := errors.AsType[*RegistrationError](err)
	if !ok || re.Field(FieldPassword) == nil || re.Field(FieldPassword).Reason != ErrMissingClass {
		t.Fatalf("Register = %v, want a missing class", err)
	}
}

func TestRegisterRefusesIdentityInPassword(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	r, err := NewRegistrar(e.svc, e.store, e.mailer, RegistrarOptions{InstanceName: "Acme Portal"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, pw := range []string{"grace is great", "hopper forever", "my acme portal key", "password1", "qwerty123"} {
		_, err := r.Register(ctx, inputA("grace", "hopper@example.com", pw), RegisterContext{})
		re, ok := errors.AsType[*RegistrationError](err)
		if !ok || re.Field(FieldPassword) == nil {
			t.Fatalf("Register with %q = %v, want a password error", pw, err)
		}
		if r := re.Field(FieldPassword).Reason; r != ErrContainsIdentity && r != ErrTooCommon {
			t.Fatalf("Register with %q: reason %v", pw, r)
		}
	}
	if _, err := r.Register(ctx, inputA("grace", "hopper@example.com", "correcthorsebatt"), RegisterContext{}); err != nil {
		t.Fatalf("Register with a lowercase passphrase = %v", err)
	}
}

func TestCreateUserPolicy(t *testing.T) {
	s, _, _ := newTestService(t, func(o *Options) { o.InstanceName = "Gatehouse" })
	ctx := t.Context()
	for _, tc := range []struct {
		nu   NewUser
		want error
	}{
		{NewUser{Email: "a@example.com", Password: "seven77"}, ErrTooShort},
		{NewUser{Email: "a@example.com", Password: "qwerty123"}, ErrTooCommon},
		{NewUser{Email: "a@example.com", Username: "linus", Password: "i am linus here"}, ErrContainsIdentity},
		{NewUser{Email: "torvalds@example.com", Password: "torvalds rules"}, ErrContainsIdentity},
		{NewUser{Email: "a@example.com", Password: "GateHouse admin"}, ErrContainsIdentity},
	} {
		if _, err := s.CreateUser(ctx, tc.nu); !errors.Is(err, tc.want) {
			t.Errorf("CreateUser(%+v) = %v, want %v", tc.nu.Email, err, tc.want)
		}
	}
	if _, err := s.CreateUser(ctx, NewUser{Email: "a@example.com", Password: "eight888"}); err != nil {
		t.Fatalf("CreateUser with 8 characters = %v", err)
	}
}
