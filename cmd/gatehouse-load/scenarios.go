package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// env is what every scenario shares: the server, the load client and one
// user per worker.
type env struct {
	t      *target
	client loadClient
	users  []loadUser
}

// worker is one load worker: its browser (with a session once prepared),
// user and latest tokens.
type worker struct {
	http *http.Client // cookie-less client for API-style requests
	b    *browser
	user loadUser
	tok  tokens
}

// scenario is one kind of request (or flow) the generator repeats.
type scenario struct {
	name string
	// users: each worker gets its own user, signed in once by prepare.
	users bool
	op    func(ctx context.Context, e *env, w *worker) error
}

var scenarios = []scenario{
	{name: "discovery", op: func(ctx context.Context, e *env, w *worker) error {
		return getOK(ctx, w.http, e.t.base+"/.well-known/openid-configuration", "")
	}},
	{name: "jwks", op: func(ctx context.Context, e *env, w *worker) error {
		return getOK(ctx, w.http, e.t.base+"/keys", "")
	}},
	{name: "client-credentials", op: func(ctx context.Context, e *env, w *worker) error {
		_, err := e.t.tokenRequest(ctx, w.http, e.client.ID, e.client.Secret, url.Values{"grant_type": {"client_credentials"}})
		return err
	}},
	{name: "refresh", users: true, op: func(ctx context.Context, e *env, w *worker) error {
		tok, err := e.t.tokenRequest(ctx, w.http, e.client.ID, e.client.Secret, url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {w.tok.RefreshToken},
		})
		if err != nil {
			return err
		}
		if tok.RefreshToken == "" {
			return fmt.Errorf("refresh: no new refresh token")
		}
		w.tok = tok
		return nil
	}},
	{name: "userinfo", users: true, op: func(ctx context.Context, e *env, w *worker) error {
		return getOK(ctx, w.http, e.t.base+"/userinfo", w.tok.AccessToken)
	}},
	{name: "introspect", users: true, op: func(ctx context.Context, e *env, w *worker) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.t.base+"/oauth/introspect",
			strings.NewReader(url.Values{"token": {w.tok.AccessToken}}.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(e.client.ID), url.QueryEscape(e.client.Secret))
		status, _, body, err := send(w.http, req)
		if err != nil {
			return err
		}
		var out struct {
			Active bool `json:"active"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &out) != nil || !out.Active {
			return fmt.Errorf("introspection: status %d: %.200s", status, body)
		}
		return nil
	}},
	{name: "sso", users: true, op: func(ctx context.Context, e *env, w *worker) error {
		f := newFlow(e.t.base, e.client.ID)
		code, err := w.b.signIn(ctx, f, "", "")
		if err != nil {
			return fmt.Errorf("sso: %w", err)
		}
		_, err = e.t.redeem(ctx, w.http, e.client, f, code)
		return err
	}},
	{name: "signin", users: true, op: func(ctx context.Context, e *env, w *worker) error {
		f := newFlow(e.t.base, e.client.ID)
		code, err := newBrowser(e.t).signIn(ctx, f, w.user.Email, w.user.Password)
		if err != nil {
			return fmt.Errorf("sign-in: %w", err)
		}
		_, err = e.t.redeem(ctx, w.http, e.client, f, code)
		return err
	}},
}

// prepare signs the worker's user in (which also replaces the imported
// hash by argon2id) and keeps the session and tokens.
func (e *env) prepare(ctx context.Context, w *worker) error {
	w.b = newBrowser(e.t)
	f := newFlow(e.t.base, e.client.ID)
	code, err := w.b.signIn(ctx, f, w.user.Email, w.user.Password)
	if err != nil {
		return fmt.Errorf("preparing %s: %w", w.user.Email, err)
	}
	w.tok, err = e.t.redeem(ctx, w.http, e.client, f, code)
	return err
}

func getOK(ctx context.Context, c *http.Client, raw, bearer string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	status, _, body, err := send(c, req)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %.200s", redact(raw), status, body)
	}
	return nil
}

func scenarioNamed(name string) (scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}
