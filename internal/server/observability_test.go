package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// scrape returns the value of every sample of /metrics, keyed by the
// series as printed (name{labels}).
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestObservabilityScriptedFlow runs registration with its confirmation
// link, a wrong password, a code flow with a refresh, a reset with a
// temporary password and a throttled sign-in, then checks: the metrics
// count each step exactly; every log line is JSON, every line of a request
// carries its request id, and no password, code, token or link of the
// flow appears in the logs or in span attributes; the HTTP requests and
// SQL statements are spans.
func TestObservabilityScriptedFlow(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	sink := testharness.NewSMTPSink(t)
	srv := &regServer{sink: sink, Server: testserver.Start(t, testserver.ServerOptions{
		SpanExporter: spans,
		Env: map[string]string{
			"GATEHOUSE_DEV":                         "true",
			"GATEHOUSE_SMTP_URL":                    sink.URL(),
			"GATEHOUSE_MAIL_FROM":                   "Gatehouse <no-reply@example.test>",
			"GATEHOUSE_CAPTCHA_TEST_ANSWER":         testCaptcha,
			"GATEHOUSE_RESET_STYLE":                 "temporary",
			"GATEHOUSE_LOG_FORMAT":                  "json",
			"GATEHOUSE_OTEL_ENDPOINT":               "http://127.0.0.1:4318",
			"GATEHOUSE_SIGNIN_THROTTLE_PER_ACCOUNT": "3",
			"GATEHOUSE_SIGNIN_CAPTCHA_AFTER":        "0",
		},
	})}
	secrets := map[string]string{} // what must never be logged
	const password, wrong = "Observable-Pass-2026", "Wrong-Pass-2026-x"
	secrets["password"], secrets["wrong password"] = password, wrong
	clientSecret := registerClient(t, srv.Server, "app", true)
	secrets["client secret"] = clientSecret
	rp := newRelyingParty(t, srv.Server, "app", clientSecret)

	// Registration and the confirmation link.
	if status, loc, body := registerHTTP(t, rp, shapeAForm("ada", "ada@example.com", password)); status != http.StatusSeeOther && status != http.StatusOK {
		t.Fatalf("register: %d %s %s", status, loc, mainText(body))
	}
	confirm := srv.link(t, srv.letter(t, "ada@example.com", "Confirm"), "/verify")
	u, _ := url.Parse(confirm)
	secrets["confirmation link"], secrets["confirmation token"] = confirm, u.Query().Get("token")
	if status, loc, body := rp.postForm("/verify", url.Values{"token": {u.Query().Get("token")}, "password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %q %s", status, loc, mainText(body))
	}

	// A wrong password, then the code flow and a refresh.
	signer := newRelyingParty(t, srv.Server, "app", clientSecret)
	if status, _, _ := signer.postForm("/login", url.Values{"login": {"ada"}, "password": {wrong}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", status)
	}
	f := signer.newFlow()
	code := signer.signIn(f, "ada", password)
	secrets["code"], secrets["PKCE verifier"] = code, f.verifier
	tok, err := signer.exchange(f, code)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	secrets["access token"], secrets["refresh token"] = tok.AccessToken, tok.RefreshToken
	secrets["ID token"], _ = tok.Extra("id_token").(string)
	status, refreshed, _ := tokenRequest(t, srv.URL, "app", clientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, refreshed)
	}
	secrets["refreshed access token"], _ = refreshed["access_token"].(string)
	secrets["rotated refresh token"], _ = refreshed["refresh_token"].(string)

	// A reset with a temporary password.
	resetter := newRelyingParty(t, srv.Server, "none", "")
	if status, body := requestReset(t, resetter, url.Values{"email": {"ada@example.com"}}); status != http.StatusOK {
		t.Fatalf("reset request: %d %s", status, mainText(body))
	}
	m := temporaryPasswordRe.FindStringSubmatch(srv.letter(t, "ada@example.com", "temporary").TextBody)
	if m == nil {
		t.Fatal("no temporary password in the letter")
	}
	secrets["temporary password"] = m[1]
	if status, loc, _ := resetter.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {m[1]}}); status != http.StatusSeeOther || loc != "/account/password" {
		t.Fatalf("temporary password sign-in: %d %s", status, loc)
	}

	// Three wrong passwords for another login, then the throttle.
	guesser := newRelyingParty(t, srv.Server, "none", "")
	for i := range 4 {
		status, _, _ := guesser.postForm("/login", url.Values{"login": {"mallory@example.com"}, "password": {wrong}})
		want := http.StatusUnprocessableEntity
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if status != want {
			t.Fatalf("guess %d: %d, want %d", i+1, status, want)
		}
	}

	got := scrape(t, srv.URL)
	for series, want := range map[string]float64{
		`gatehouse_registrations_total{event="submitted"}`:        1,
		`gatehouse_registrations_total{event="confirmed"}`:        1,
		`gatehouse_registrations_total{event="duplicate"}`:        0,
		`gatehouse_signins_total{method="pwd",outcome="success"}`: 1,
		// ada's wrong password, mallory's three, and the temporary
		// password: the form tries it as the password first (audited as a
		// failure), then as a temporary password (a reset event below).
		`gatehouse_signins_total{method="pwd",outcome="invalid_credentials"}`:                      5,
		`gatehouse_signins_total{method="passkey",outcome="success"}`:                              0,
		`gatehouse_password_resets_total{event="requested"}`:                                       1,
		`gatehouse_password_resets_total{event="temporary_password_used"}`:                         1,
		`gatehouse_password_resets_total{event="completed"}`:                                       0,
		`gatehouse_mfa_verifications_total{method="totp",outcome="success"}`:                       0,
		`gatehouse_tokens_issued_total{grant_type="authorization_code"}`:                           1,
		`gatehouse_tokens_issued_total{grant_type="refresh_token"}`:                                1,
		`gatehouse_tokens_issued_total{grant_type="client_credentials"}`:                           0,
		`gatehouse_throttled_requests_total{route="/login"}`:                                       1,
		`gatehouse_mail_queue_depth`:                                                               0,
		`gatehouse_mail_queue_oldest_age_seconds`:                                                  0,
		`gatehouse_mail_sent_total{kind="verify_email"}`:                                           1,
		`gatehouse_mail_abandoned_total{kind="verify_email"}`:                                      0,
		`gatehouse_backchannel_logout_total{outcome="abandoned"}`:                                  0,
		`gatehouse_tokens_issued_total{grant_type="urn:ietf:params:oauth:grant-type:device_code"}`: 0,
	} {
		v, ok := got[series]
		if !ok {
			t.Errorf("/metrics has no %s", series)
		} else if v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	if t.Failed() {
		for k, v := range got {
			if strings.HasPrefix(k, "gatehouse_") && !strings.Contains(k, "_bucket") {
				t.Logf("%s %v", k, v)
			}
		}
	}

	checkLogs(t, srv.Logs(), secrets)
	checkSpans(t, spans, secrets)
}

// checkLogs: every line is JSON; every access log line and every line
// logged inside a request carries a request id; no secret appears.
func checkLogs(t *testing.T, logs string, secrets map[string]string) {
	t.Helper()
	requests, withID, inRequest := 0, 0, 0
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		id, _ := rec["request_id"].(string)
		if rec["msg"] == "http request" {
			requests++
			if id != "" {
				withID++
			}
		} else if id != "" {
			inRequest++
		}
	}
	if requests == 0 || withID != requests {
		t.Errorf("%d of %d access log lines carry a request id", withID, requests)
	}
	t.Logf("logs: %d requests, %d other lines logged inside a request with its id", requests, inRequest)
	for what, s := range secrets {
		if s == "" {
			t.Errorf("the flow produced no %s", what)
			continue
		}
		if strings.Contains(logs, s) || strings.Contains(logs, url.QueryEscape(s)) {
			t.Errorf("the logs contain the %s", what)
		}
	}
}

// checkSpans: HTTP requests are server spans named by route, SQL
// statements are spans in the same traces, and no span attribute holds a
// secret.
func checkSpans(t *testing.T, exp *tracetest.InMemoryExporter, secrets map[string]string) {
	t.Helper()
	var server, sql int
	names := map[string]bool{}
	traces := map[trace.TraceID]bool{}
	for _, s := range exp.GetSpans() {
		names[s.Name] = true
		if s.SpanKind == trace.SpanKindServer {
			server++
			traces[s.SpanContext.TraceID()] = true
		}
		if strings.HasPrefix(s.Name, "sql.") {
			sql++
		}
		for _, a := range s.Attributes {
			for what, secret := range secrets {
				if secret != "" && strings.Contains(a.Value.Emit(), secret) {
					t.Errorf("span %s attribute %s holds the %s", s.Name, a.Key, what)
				}
			}
		}
	}
	for _, want := range []string{"POST /oauth/token", "POST /login", "GET /authorize", "POST /register"} {
		if !names[want] {
			t.Errorf("no span %q", want)
		}
	}
	sqlInRequest := 0
	for _, s := range exp.GetSpans() {
		if strings.HasPrefix(s.Name, "sql.") && traces[s.SpanContext.TraceID()] {
			sqlInRequest++
		}
	}
	if server == 0 || sql == 0 || sqlInRequest == 0 {
		t.Errorf("spans: %d server, %d SQL (%d inside a request)", server, sql, sqlInRequest)
	}
	t.Logf("spans: %d server, %d SQL (%d inside a request)", server, sql, sqlInRequest)
}
