package account

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func TestConsoleSettingValues(t *testing.T) {
	cs := DefaultConsoleSettings()
	for key, raw := range map[string]string{
		SettingTokenScopes: `"openid profile"`, SettingTokenMaxLifetime: `"90d"`,
		SettingNotifyNewDevice: `false`, SettingSelfDelete: `false`,
	} {
		if err := cs.ApplyConsoleSetting(key, json.RawMessage(raw)); err != nil {
			t.Fatalf("%s=%s: %v", key, raw, err)
		}
	}
	if !slices.Equal(cs.TokenScopes, []string{"openid", "profile"}) || cs.TokenMaxLifetime != 90*Day || cs.NotifyNewDevice || cs.SelfDelete {
		t.Fatalf("applied: %+v", cs)
	}
	if got := string(cs.ConsoleSettingValues()[SettingTokenMaxLifetime]); got != `"90d"` {
		t.Errorf("stored lifetime %s", got)
	}
	for name, tc := range map[string]struct{ key, raw string }{
		"scope list of numbers": {SettingTokenScopes, `[1]`},
		"lifetime not a string": {SettingTokenMaxLifetime, `90`},
		"lifetime garbage":      {SettingTokenMaxLifetime, `"soon"`},
		"flag not a boolean":    {SettingNotifyNewDevice, `"yes"`},
		"unknown key":           {"tokens.colour", `"red"`},
	} {
		c := DefaultConsoleSettings()
		if err := c.ApplyConsoleSetting(tc.key, json.RawMessage(tc.raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bad := DefaultConsoleSettings()
	bad.TokenScopes = []string{"openid", "write:everything"}
	if bad.Validate() == nil {
		t.Error("an unknown scope was accepted")
	}
	bad = DefaultConsoleSettings()
	bad.TokenMaxLifetime = 12 * time.Hour
	if bad.Validate() == nil {
		t.Error("a lifetime under a day was accepted")
	}
	if d, err := ParseDays("720h"); err != nil || d != 30*Day {
		t.Errorf("ParseDays(720h) = %v %v", d, err)
	}
}

func TestTokenChoicesAndChecks(t *testing.T) {
	cs := DefaultConsoleSettings()
	user := storage.User{ID: "u", Role: storage.RoleUser, State: storage.UserActive}
	admin := storage.User{ID: "a", Role: storage.RoleAdmin, State: storage.UserActive}
	if got := OfferedTokenScopes(user, cs); !slices.Equal(got, []string{"openid", "profile", "email"}) {
		t.Errorf("a user is offered %v", got)
	}
	if got := OfferedTokenScopes(admin, cs); !slices.Contains(got, "gatehouse:admin") {
		t.Errorf("an administrator is offered %v", got)
	}
	cs.TokenScopes = []string{"profile", "gatehouse:admin"}
	if got := OfferedTokenScopes(user, cs); !slices.Equal(got, []string{"profile"}) {
		t.Errorf("gatehouse:admin in tokens.scopes reached a user: %v", got)
	}
	cs.TokenMaxLifetime = 30 * Day
	if got := OfferedTokenDays(cs); !slices.Equal(got, []int{7, 30}) {
		t.Errorf("days within 30d: %v", got)
	}
	cs.TokenMaxLifetime = 3 * Day
	if got := OfferedTokenDays(cs); !slices.Equal(got, []int{3}) {
		t.Errorf("days within 3d: %v", got)
	}

	cs = DefaultConsoleSettings()
	fieldOf := func(err error, field string) *FieldError {
		var re *RegistrationError
		if !errors.As(err, &re) {
			return nil
		}
		return re.Field(field)
	}
	if err := checkNewToken(user, cs, NewToken{Name: "ci", Scopes: []string{"profile"}, Days: 30}); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	err := checkNewToken(user, cs, NewToken{Name: "x", Scopes: []string{"gatehouse:admin"}, Days: 30})
	if fe := fieldOf(err, FieldTokenScopes); fe == nil || !errors.Is(fe.Reason, ErrTokenScope) || !errors.Is(err, ErrInvalid) {
		t.Errorf("gatehouse:admin for a user: %v", err)
	}
	if err := checkNewToken(admin, cs, NewToken{Name: "ops", Scopes: []string{"gatehouse:admin"}, Days: 7}); err != nil {
		t.Errorf("gatehouse:admin for an administrator: %v", err)
	}
	err = checkNewToken(user, cs, NewToken{Name: "line\nbreak", Days: 1000})
	for _, f := range []string{FieldTokenName, FieldTokenScopes, FieldTokenExpires} {
		if fieldOf(err, f) == nil {
			t.Errorf("no error for %s: %v", f, err)
		}
	}
}
