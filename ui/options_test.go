package ui

import (
	"net/http"
	"testing"
	"time"
)

// Without Accounts the sign-in routes do not exist (the server wires them
// once internal/account is there).
func TestSignInRoutesNeedAccounts(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	for _, target := range []string{"/login", "/logout", "/consent"} {
		if res := do(t, h, request{target: target}); res.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, res.Code)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	acc := newFakeAccounts(time.Now)
	tests := []struct {
		name string
		opts Options
	}{
		{"accounts without classifier", Options{Accounts: acc}},
		{"auth requests without accounts", Options{AuthRequests: &fakeAuthRequests{}}},
		{"auth requests without consents", Options{Accounts: acc, ClassifySignInError: classifyTestError,
			AuthRequests: &fakeAuthRequests{}}},
		{"negative lifetime", Options{Accounts: acc, ClassifySignInError: classifyTestError, SessionLifetime: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.opts); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}
