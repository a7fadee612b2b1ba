package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/account"
)

// The live check asks the server, which applies the rules the page alone
// cannot: a common password, or one containing the login or the address,
// is not "meets the rules" (issue 12).
func TestPasswordCheckUsesTheServerRules(t *testing.T) {
	rs := settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm")
	rs.InstanceName = "Acme ID"
	e := newRegisterEnv(t, rs)
	tests := []struct {
		name, lang string
		form       url.Values
		ok         bool
		want       string
	}{
		{"common", "en", url.Values{"password": {"qwerty123"}}, false, "common"},
		{"contains the login", "en", url.Values{"password": {"grace-harbor-lamp"}, "login": {"grace"}}, false, "login"},
		{"contains the address", "en", url.Values{"password": {"xx grace@example.com"}, "email": {"grace@example.com"}}, false, "address"},
		{"too short", "en", url.Values{"password": {"short"}}, false, "8"},
		{"good", "en", url.Values{"password": {"quiet meadow lantern"}, "login": {"grace"}}, true, ""},
		{"common, in Russian", "ru", url.Values{"password": {"qwerty123"}}, false, "распростран"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(request{target: passwordCheckPath + "?lang=" + tc.lang, form: tc.form})
			var got passwordCheckResult
			if res.Code != http.StatusOK || json.Unmarshal(res.Body.Bytes(), &got) != nil {
				t.Fatalf("status %d body %s", res.Code, res.Body)
			}
			if got.OK != tc.ok || got.Message == "" || !strings.Contains(strings.ToLower(got.Message), tc.want) {
				t.Errorf("%+v, want ok %v and a message with %q", got, tc.ok, tc.want)
			}
			if strings.Contains(res.Body.String(), tc.form.Get("password")) {
				t.Error("the answer repeats the password")
			}
			if res.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", res.Header().Get("Cache-Control"))
			}
		})
	}
	if res := e.do(request{method: http.MethodGet, target: passwordCheckPath}); res.Code == http.StatusOK {
		t.Errorf("GET answered %d: the password would travel in the URL", res.Code)
	}
}
