package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage"
)

// gateFactors is the part of SecondFactors mfaGate uses: the user's
// factors (counting how often they are read) and the policy.
type gateFactors struct {
	SecondFactors // the rest is not called
	on, required  bool
	reads         int
}

func (g *gateFactors) Enabled(context.Context, string) (bool, error) {
	g.reads++
	return g.on, nil
}

func (g *gateFactors) Required(context.Context, storage.User) (bool, error) {
	return g.required, nil
}

// TestMFAGateReadsFactorsOnlyWhenWanted: the gate decides as before, but
// reads the user's second factors only when the client, acr_values or the
// policy asks for one, so a plain single sign-on does not query them.
func TestMFAGateReadsFactorsOnlyWhenWanted(t *testing.T) {
	for _, tc := range []struct {
		name         string
		on, required bool
		requireMFA   bool
		acr          []string
		sessionAMR   []string
		wantGoOn     bool
		wantLocation string
	}{
		{name: "nothing asks, user has a factor", on: true, wantGoOn: true},
		{name: "nothing asks, user has none", wantGoOn: true},
		{name: "session already has a second factor", on: true, requireMFA: true, sessionAMR: mfa.WithSecondFactor([]string{"pwd"}), wantGoOn: true},
		{name: "client requires it, user has a factor", on: true, requireMFA: true, wantLocation: loginMFAURL("ar1", "")},
		{name: "client requires it, user has none", requireMFA: true, wantLocation: totpEnrolURL("ar1")},
		{name: "policy requires it, user has none", required: true, wantLocation: totpEnrolURL("ar1")},
		{name: "acr_values wishes it, user has a factor", on: true, acr: []string{mfa.ACRMFA}, wantLocation: loginMFAURL("ar1", "")},
		{name: "acr_values wishes it, user has none", acr: []string{mfa.ACRMFA}, wantGoOn: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			factors := &gateFactors{on: tc.on, required: tc.required}
			u := &UI{mfa: factors}
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/login?authRequestID=ar1", nil)
			ar := AuthRequestView{ID: "ar1", RequireMFA: tc.requireMFA, ACRValues: tc.acr}
			si := &signedIn{session: storage.BrowserSession{AMR: tc.sessionAMR}, user: storage.User{ID: "u1"}}
			if got := u.mfaGate(c, ar, si); got != tc.wantGoOn {
				t.Fatalf("mfaGate = %v, want %v", got, tc.wantGoOn)
			}
			if got := w.Header().Get("Location"); got != tc.wantLocation {
				t.Fatalf("Location = %q, want %q", got, tc.wantLocation)
			}
			wantReads := 1
			if !tc.requireMFA && !tc.required && len(tc.acr) == 0 || mfa.HasSecondFactor(tc.sessionAMR) {
				wantReads = 0
			}
			if factors.reads != wantReads {
				t.Fatalf("the user's second factors were read %d times, want %d", factors.reads, wantReads)
			}
		})
	}
}
