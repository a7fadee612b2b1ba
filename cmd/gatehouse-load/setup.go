package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// loadClient is the confidential client the load runs as.
type loadClient struct{ ID, Secret string }

// loadUser is one worker's user.
type loadUser struct{ Email, Password string }

// admin calls the management API with a service client's token.
type admin struct {
	t     *target
	http  *http.Client
	token string
}

// newAdmin gets a gatehouse:admin token for the service client id.
func newAdmin(ctx context.Context, t *target, id, secret string) (*admin, error) {
	c := t.client(nil)
	tok, err := t.tokenRequest(ctx, c, id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"gatehouse:admin"}})
	if err != nil {
		return nil, fmt.Errorf("admin token for %s: %w", id, err)
	}
	return &admin{t: t, http: c, token: tok.AccessToken}, nil
}

func (a *admin) call(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, a.t.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", contentType)
	status, _, resp, err := send(a.http, req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %.300s", method, path, status, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// createClient registers a first-party confidential client for every
// grant the scenarios use (the name carries the run id).
func (a *admin) createClient(ctx context.Context, run string) (loadClient, error) {
	body, _ := json.Marshal(map[string]any{
		"id": "load-" + run, "name": "Load " + run, "redirect_uris": []string{redirectURI},
		"grant_types": []string{"authorization_code", "refresh_token", "client_credentials"},
		"first_party": true, "access_token_format": "jwt",
	})
	var out struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	if err := a.call(ctx, http.MethodPost, "/api/v1/clients", "application/json", body, &out); err != nil {
		return loadClient{}, err
	}
	return loadClient{ID: out.ID, Secret: out.Secret}, nil
}

// importUsers creates n active users with one random password through the
// import route (bcrypt at the lowest cost, so preparing is quick; the
// server replaces the hash by argon2id at the first sign-in, which setup
// does).
func (a *admin) importUsers(ctx context.Context, run string, n int) ([]loadUser, error) {
	password := randomString()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	var lines strings.Builder
	users := make([]loadUser, n)
	for i := range users {
		users[i] = loadUser{Email: fmt.Sprintf("load-%s-%d@example.com", run, i), Password: password}
		line, _ := json.Marshal(map[string]any{
			"email": users[i].Email, "email_verified": true, "given_name": "Load", "family_name": fmt.Sprint(i),
			"password_hash": string(hash),
		})
		lines.Write(line)
		lines.WriteByte('\n')
	}
	if err := a.call(ctx, http.MethodPost, "/api/v1/users/import", "application/x-ndjson", []byte(lines.String()), nil); err != nil {
		return nil, err
	}
	return users, nil
}
