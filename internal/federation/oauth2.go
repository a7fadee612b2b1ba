package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
)

// maxUserinfoBytes bounds an upstream's userinfo answer.
const maxUserinfoBytes = 1 << 20

// oauth2Exchanger is a plain OAuth2 upstream: the code is exchanged for an
// access token, which reads the userinfo endpoint; the claims are mapped
// from its members. For github the primary address comes from the emails
// API (userinfo_url + "/emails"), verified as GitHub says.
type oauth2Exchanger struct {
	cfg    config.ProviderConfig
	oauth  *oauth2.Config
	client *http.Client
}

func newOAuth2Exchanger(cfg config.ProviderConfig, redirectURI string, client *http.Client) *oauth2Exchanger {
	return &oauth2Exchanger{cfg: cfg, client: client, oauth: &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: redirectURI, Scopes: cfg.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL},
	}}
}

// issuer of a plain OAuth2 provider is its configured issuer, if any.
func (o *oauth2Exchanger) issuer() string { return o.cfg.Issuer }

func (o *oauth2Exchanger) authURL(_ context.Context, state, _, challenge string) (string, error) {
	return o.oauth.AuthCodeURL(state, pkceOptions(challenge)...), nil
}

func (o *oauth2Exchanger) exchange(ctx context.Context, code, verifier, _ string) (Claims, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.client)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Claims{}, unavailable("token exchange", err)
	}
	var info map[string]any
	if err := o.getJSON(ctx, tok, o.cfg.UserinfoURL, &info); err != nil {
		return Claims{}, err
	}
	cl := o.mapClaims(info)
	if o.cfg.Type == config.ProviderGitHub {
		if cl.Email, cl.EmailVerified, err = o.githubEmail(ctx, tok); err != nil {
			return Claims{}, err
		}
	}
	return cl, nil
}

// mapClaims reads the configured (or OpenID Connect, or for github
// GitHub's) member names.
func (o *oauth2Exchanger) mapClaims(info map[string]any) Claims {
	f := o.cfg.Claims
	if o.cfg.Type == config.ProviderGitHub {
		f = config.ClaimFields{Subject: "id", Name: "name"}
	}
	pick := func(name, def string) string {
		if name == "" {
			name = def
		}
		return stringClaim(info[name])
	}
	return Claims{
		Issuer:        o.cfg.ID,
		Subject:       pick(f.Subject, "sub"),
		Email:         pick(f.Email, "email"),
		EmailVerified: pick(f.EmailVerified, "email_verified") == "true",
		GivenName:     pick(f.GivenName, "given_name"),
		FamilyName:    pick(f.FamilyName, "family_name"),
		Name:          pick(f.Name, "name"),
	}
}

// stringClaim renders a JSON member as text: numbers (GitHub's ids)
// without exponent, booleans as true/false, anything else as "".
func stringClaim(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	return ""
}

// githubEmail is the user's primary address from GitHub's emails API.
func (o *oauth2Exchanger) githubEmail(ctx context.Context, tok *oauth2.Token) (string, bool, error) {
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := o.getJSON(ctx, tok, strings.TrimSuffix(o.cfg.UserinfoURL, "/")+"/emails", &emails); err != nil {
		return "", false, err
	}
	for _, e := range emails {
		if e.Primary {
			return e.Email, e.Verified, nil
		}
	}
	return "", false, nil
}

// getJSON reads a JSON resource with the access token.
func (o *oauth2Exchanger) getJSON(ctx context.Context, tok *oauth2.Token, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return unavailable("userinfo", err)
	}
	req.Header.Set("Accept", "application/json")
	tok.SetAuthHeader(req)
	resp, err := o.client.Do(req)
	if err != nil {
		return unavailable("userinfo", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return unavailable("userinfo", fmt.Errorf("status %d", resp.StatusCode))
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxUserinfoBytes))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return unavailable("userinfo", errors.Join(errors.New("bad JSON"), err))
	}
	return nil
}
