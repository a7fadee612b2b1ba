package account

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseRegistrationFields(t *testing.T) {
	got, err := ParseRegistrationFields([]string{"email", "company?", "password?", "login"})
	if err != nil {
		t.Fatal(err)
	}
	want := []RegistrationField{{"email", false}, {"company", true}, {"password", false}, {"login", false}}
	if !slices.Equal(got, want) {
		t.Fatalf("fields = %+v, want %+v (password can never be optional)", got, want)
	}
	for _, bad := range [][]string{{"email", "phone"}, {"email", "email?"}} {
		if _, err := ParseRegistrationFields(bad); err == nil {
			t.Errorf("ParseRegistrationFields(%v) accepted", bad)
		}
	}
}

func TestRegistrationSettingsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*RegistrationSettings)
	}{
		{"unknown mode", func(rs *RegistrationSettings) { rs.Mode = "sometimes" }},
		{"no email", func(rs *RegistrationSettings) { rs.Fields = fields(t, "login", "password") }},
		{"confirm without password", func(rs *RegistrationSettings) { rs.Fields = fields(t, "email", "password_confirm") }},
		{"terms URL not http", func(rs *RegistrationSettings) { rs.TermsURL = "javascript:alert(1)" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := DefaultRegistrationSettings()
			tc.edit(&rs)
			if err := rs.Validate(); err == nil {
				t.Fatal("Validate accepted")
			}
		})
	}
	if err := DefaultRegistrationSettings().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

// Seeding stores the configuration's values once; administrators' changes
// survive the next start.
func TestSeedRegistrationSettings(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	e.setMode(t, ModeAudit)
	if err := SeedRegistrationSettings(ctx, e.store.Settings(), shapeC(t)); err != nil {
		t.Fatal(err)
	}
	got, err := LoadRegistrationSettings(ctx, e.store.Settings(), DefaultRegistrationSettings())
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != ModeAudit || !got.VerifyEmail || strings.Join(got.FieldNames(), ",") != "login,email,password,password_confirm" {
		t.Fatalf("settings after a second seed = %+v", got)
	}
	raw, err := e.store.Settings().Get(ctx, SettingRegistrationFields)
	if err != nil || !json.Valid(raw.Value) {
		t.Fatalf("stored fields = %s, %v", raw.Value, err)
	}
}

// A change made by another replica shows within the cache lifetime.
func TestSettingsCacheTTL(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	ctx := t.Context()
	if rs, _ := e.r.Settings(ctx); rs.Mode != ModeOpen {
		t.Fatalf("mode = %s", rs.Mode)
	}
	if err := e.store.Settings().Set(ctx, SettingRegistrationMode, json.RawMessage(`"closed"`)); err != nil {
		t.Fatal(err)
	}
	if rs, _ := e.r.Settings(ctx); rs.Mode != ModeOpen {
		t.Fatalf("cached mode = %s, want open until the TTL passes", rs.Mode)
	}
	e.clock.Advance(MaxSettingsTTL)
	if rs, _ := e.r.Settings(ctx); rs.Mode != ModeClosed {
		t.Fatalf("mode after %s = %s, want closed", MaxSettingsTTL, rs.Mode)
	}
	if err := e.store.Settings().Set(ctx, SettingRegistrationFields, json.RawMessage(`["email","fax"]`)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.r.Settings(ctx); err == nil {
		t.Fatal("a corrupt stored setting was silently ignored")
	}
}

func TestNewRegistrarOptions(t *testing.T) {
	e := newRegEnv(t, shapeA(t))
	if _, err := NewRegistrar(e.svc, e.store, nil, RegistrarOptions{}); err == nil {
		t.Error("NewRegistrar without a mailer succeeded")
	}
	r, err := NewRegistrar(e.svc, e.store, e.mailer, RegistrarOptions{SettingsTTL: time.Hour})
	if err != nil || r.settings.ttl != MaxSettingsTTL || r.lifetime != 24*time.Hour || r.Languages()[0] != "en" {
		t.Fatalf("defaults: %v ttl=%s lifetime=%s", err, r.settings.ttl, r.lifetime)
	}
}
