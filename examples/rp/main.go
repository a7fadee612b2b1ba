package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rp:", err)
		os.Exit(1)
	}
}

// settings are the example's flags.
type settings struct {
	issuer, clientID, clientSecret, listen string
}

func parseSettings(args []string) (settings, error) {
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	var s settings
	fs := flag.NewFlagSet("rp", flag.ContinueOnError)
	fs.StringVar(&s.issuer, "issuer", env("RP_ISSUER", "http://localhost:8080"), "Gatehouse's issuer URL (RP_ISSUER)")
	fs.StringVar(&s.clientID, "client-id", env("RP_CLIENT_ID", "example"), "client id registered in Gatehouse (RP_CLIENT_ID)")
	fs.StringVar(&s.clientSecret, "client-secret", env("RP_CLIENT_SECRET", ""), "client secret; empty for a public client (RP_CLIENT_SECRET)")
	fs.StringVar(&s.listen, "listen", env("RP_LISTEN", "127.0.0.1:5556"), "address to listen on (RP_LISTEN)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if s.clientID == "" {
		return s, errors.New("-client-id is required")
	}
	return s, nil
}

func run(args []string, stdout io.Writer) error {
	s, err := parseSettings(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.listen, err)
	}
	base := "http://" + ln.Addr().String()

	discoverCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	provider, err := oidc.NewProvider(discoverCtx, s.issuer)
	cancel()
	if err != nil {
		return fmt.Errorf("discovery at %s: %w", s.issuer, err)
	}
	app := &relyingParty{
		stdout:   stdout,
		verifier: provider.Verifier(&oidc.Config{ClientID: s.clientID}),
		config: oauth2.Config{
			ClientID:     s.clientID,
			ClientSecret: s.clientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  base + "/callback",
			Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
		},
	}
	fmt.Fprintf(stdout, "rp: listening on %s (redirect URI %s)\n", base, app.config.RedirectURL)

	srv := &http.Server{Handler: app.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// relyingParty holds the OAuth 2.0 client and the ID token verifier.
type relyingParty struct {
	stdout   io.Writer
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// flowCookie carries state, nonce and the PKCE verifier between /login and
// /callback; it is HttpOnly and lives for ten minutes.
const flowCookie = "rp_flow"

type flow struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

func (a *relyingParty) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.HandleFunc("GET /callback", a.callback)
	return mux
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example relying party</title></head>
<body><main>
<h1>Example relying party</h1>
{{if .Error}}<p id="error" role="alert">{{.Error}}</p>{{end}}
{{if .Claims}}<p>Signed in. The ID token's claims:</p>
<pre id="claims">{{.Claims}}</pre>{{end}}
<p><a id="sign-in" href="/login">Sign in with Gatehouse</a></p>
</main></body></html>
`))

type pageData struct{ Error, Claims string }

func (a *relyingParty) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = page.Execute(w, d)
}

func (a *relyingParty) home(w http.ResponseWriter, _ *http.Request) {
	a.render(w, http.StatusOK, pageData{})
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (a *relyingParty) login(w http.ResponseWriter, r *http.Request) {
	f := flow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier()}
	raw, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: base64.RawURLEncoding.EncodeToString(raw),
		Path: "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, a.config.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
}

func (a *relyingParty) callback(w http.ResponseWriter, r *http.Request) {
	f, err := readFlow(r)
	if err != nil {
		a.render(w, http.StatusBadRequest, pageData{Error: "No sign-in in progress: start again."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Path: "/", MaxAge: -1})
	q := r.URL.Query()
	if q.Get("state") != f.State {
		a.render(w, http.StatusBadRequest, pageData{Error: "The state does not match: start again."})
		return
	}
	if e := q.Get("error"); e != "" {
		a.render(w, http.StatusBadRequest, pageData{Error: "Gatehouse answered " + e + ": " + q.Get("error_description")})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := a.config.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		slog.Error("code exchange", "err", err)
		a.render(w, http.StatusBadGateway, pageData{Error: "The code exchange failed: " + err.Error()})
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idToken, err := a.verifier.Verify(ctx, rawID)
	if err != nil {
		a.render(w, http.StatusBadGateway, pageData{Error: "The ID token did not verify: " + err.Error()})
		return
	}
	if idToken.Nonce != f.Nonce {
		a.render(w, http.StatusBadRequest, pageData{Error: "The nonce does not match: start again."})
		return
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		a.render(w, http.StatusBadGateway, pageData{Error: "The ID token's claims: " + err.Error()})
		return
	}
	pretty, _ := json.MarshalIndent(claims, "", "  ")
	fmt.Fprintf(a.stdout, "rp: signed in; ID token claims:\n%s\n", pretty)
	a.render(w, http.StatusOK, pageData{Claims: string(pretty)})
}

func readFlow(r *http.Request) (flow, error) {
	var f flow
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return f, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return f, err
	}
	err = json.Unmarshal(raw, &f)
	if err == nil && (f.State == "" || f.Verifier == "") {
		err = errors.New("incomplete flow cookie")
	}
	return f, err
}
