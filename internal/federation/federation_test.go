package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "100.64.0.1": false, "0.0.0.0": false,
		"::ffff:127.0.0.1": false, "224.0.0.1": false,
	} {
		if got := PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestPrivateUpstreamRefused: without allow_private_addresses a loopback
// upstream is never contacted (SECURITY 49).
func TestPrivateUpstreamRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	for _, cfg := range []config.ProviderConfig{
		{ID: "o", Type: config.ProviderOIDC, Issuer: srv.URL, ClientID: "c", ClientSecret: "s", Timeout: time.Second},
		{ID: "g", Type: config.ProviderGitHub, AuthURL: srv.URL + "/a", TokenURL: srv.URL + "/t", UserinfoURL: srv.URL + "/u",
			ClientID: "c", ClientSecret: "s", Timeout: time.Second},
	} {
		p, err := NewProvider(cfg, "https://id.example.com")
		if err != nil {
			t.Fatal(err)
		}
		var callErr error
		if cfg.IsOIDC() {
			_, callErr = p.AuthURL(context.Background(), "st", "n", "v")
		} else {
			_, callErr = p.Exchange(context.Background(), "code", "v", "", "")
		}
		if !errors.Is(callErr, ErrPrivateAddress) || !errors.Is(callErr, ErrUnavailable) {
			t.Errorf("%s: error = %v, want ErrPrivateAddress and ErrUnavailable", cfg.ID, callErr)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private upstream was contacted %d times", n)
	}
}

// TestDiscoveryOfAnotherIssuerRefused: SECURITY 45.
func TestDiscoveryOfAnotherIssuerRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": "https://evil.example", "authorization_endpoint": "https://evil.example/auth"})
	}))
	t.Cleanup(srv.Close)
	p, err := NewProvider(config.ProviderConfig{ID: "o", Type: config.ProviderOIDC, Issuer: srv.URL, ClientID: "c",
		ClientSecret: "s", AllowPrivateAddresses: true, Timeout: time.Second}, "https://id.example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.AuthURL(context.Background(), "st", "n", "v")
	if !errors.Is(err, oidc.ErrIssuerInvalid) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("error = %v, want the issuer mismatch", err)
	}
}

// TestGitHubClaims: the github preset's user and emails APIs, PKCE on the
// authorization URL and the token request, and the iss check.
func TestGitHubClaims(t *testing.T) {
	var verifier string
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		verifier = r.PostForm.Get("code_verifier")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"at","token_type":"bearer"}`))
	})
	mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"id": 12345678901, "login": "ada", "name": "Ada Lovelace", "email": null}`))
	})
	mux.HandleFunc("/user/emails", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"email":"old@example.com","primary":false,"verified":true},{"email":"ada@example.com","primary":true,"verified":true}]`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg, err := config.ProviderConfig{ID: "github", Type: config.ProviderGitHub, ClientID: "c", ClientSecret: "s",
		AuthURL: srv.URL + "/authorize", TokenURL: srv.URL + "/token", UserinfoURL: srv.URL + "/user",
		AllowPrivateAddresses: true}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProvider(cfg, "https://id.example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := p.AuthURL(context.Background(), "st", "n", "the-verifier")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	if q.Get("state") != "st" || q.Get("code_challenge") != s256("the-verifier") || q.Get("code_challenge_method") != "S256" ||
		q.Get("redirect_uri") != "https://id.example.com/federation/github/callback" {
		t.Fatalf("auth URL %s", raw)
	}
	if _, err := p.Exchange(context.Background(), "code", "the-verifier", "", "https://other.example"); !errors.Is(err, ErrVerification) {
		t.Fatalf("foreign iss: %v", err)
	}
	cl, err := p.Exchange(context.Background(), "code", "the-verifier", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if verifier != "the-verifier" {
		t.Errorf("token request code_verifier = %q", verifier)
	}
	want := Claims{Issuer: "github", Subject: "12345678901", Email: "ada@example.com", EmailVerified: true,
		GivenName: "Ada", FamilyName: "Lovelace", Name: "Ada Lovelace"}
	if cl != want {
		t.Fatalf("claims = %+v, want %+v", cl, want)
	}
}

// TestGenericOAuth2ClaimMapping: claims under configured member names.
func TestGenericOAuth2ClaimMapping(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"at","token_type":"bearer"}`))
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"uid":"u-1","mail":"bo@example.com","mail_ok":true,"first":"Bo","last":"Ek"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p, err := NewProvider(config.ProviderConfig{ID: "corp", Type: config.ProviderOAuth2, ClientID: "c", ClientSecret: "s",
		AuthURL: srv.URL + "/a", TokenURL: srv.URL + "/token", UserinfoURL: srv.URL + "/me", AllowPrivateAddresses: true,
		Claims: config.ClaimFields{Subject: "uid", Email: "mail", EmailVerified: "mail_ok", GivenName: "first", FamilyName: "last"}},
		"https://id.example.com")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := p.Exchange(context.Background(), "code", "v", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if cl.Subject != "u-1" || cl.Email != "bo@example.com" || !cl.EmailVerified || cl.GivenName != "Bo" || cl.FamilyName != "Ek" {
		t.Fatalf("claims = %+v", cl)
	}
	if !strings.HasSuffix(p.FormOrigins()[0], srv.Listener.Addr().String()) {
		t.Errorf("form origins = %v", p.FormOrigins())
	}
}
