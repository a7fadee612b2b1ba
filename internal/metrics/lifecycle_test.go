package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func scrapeText(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(w.Body)
	return string(body)
}

func TestAuditEventsBecomeCounters(t *testing.T) {
	m := New()
	for _, e := range []storage.AuditEvent{
		{Type: "signin.success", Details: map[string]string{"method": "pwd"}},
		{Type: "signin.success", Details: map[string]string{"method": "passkey"}},
		{Type: "user.login_federated", Details: map[string]string{"method": "fed"}},
		{Type: "signin.failure", Details: map[string]string{"reason": "state"}},
		{Type: "signin.failure", Details: map[string]string{"reason": "invalid_credentials", "method": "'; DROP"}},
		{Type: "signin.mfa_success", Details: map[string]string{"method": "totp"}},
		{Type: "signin.mfa_failure", Details: map[string]string{"reason": "wrong_code"}},
		{Type: "registration.submitted"},
		{Type: "user.reset_completed"},
		{Type: "user.mfa_enabled"},
		{Type: "user.profile_updated"}, // not counted
	} {
		m.ObserveAudit(e)
	}
	text := scrapeText(t, m)
	for _, want := range []string{
		`gatehouse_signins_total{method="pwd",outcome="success"} 1`,
		`gatehouse_signins_total{method="passkey",outcome="success"} 1`,
		`gatehouse_signins_total{method="fed",outcome="success"} 1`,
		`gatehouse_signins_total{method="pwd",outcome="account_state"} 1`,
		`gatehouse_signins_total{method="pwd",outcome="invalid_credentials"} 1`,
		`gatehouse_mfa_verifications_total{method="totp",outcome="success"} 1`,
		`gatehouse_mfa_verifications_total{method="code",outcome="failure"} 1`,
		`gatehouse_registrations_total{event="submitted"} 1`,
		`gatehouse_password_resets_total{event="completed"} 1`,
		`gatehouse_mfa_enrolments_total{change="enabled"} 1`,
		`gatehouse_tokens_issued_total{grant_type="refresh_token"} 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "DROP") {
		t.Error("a stored detail became a label value")
	}
}

func TestMailQueueGauges(t *testing.T) {
	m := New()
	oldest := time.Now().Add(-90 * time.Second)
	backlog := func(context.Context) (int64, time.Time, error) { return 3, oldest, nil }
	if err := m.RegisterMailQueue(backlog, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	text := scrapeText(t, m)
	if !strings.Contains(text, "gatehouse_mail_queue_depth 3\n") {
		t.Fatalf("no depth gauge of 3:\n%s", text)
	}
	i := strings.Index(text, "\ngatehouse_mail_queue_oldest_age_seconds ")
	if i < 0 {
		t.Fatal("no age gauge")
	}
	line := text[i+len("\ngatehouse_mail_queue_oldest_age_seconds "):]
	age, err := strconv.ParseFloat(line[:strings.IndexByte(line, '\n')], 64)
	if err != nil || age < 90 {
		t.Fatalf("age %v (%v), want at least 90 s", age, err)
	}

	failing := New()
	if err := failing.RegisterMailQueue(func(context.Context) (int64, time.Time, error) {
		return 0, time.Time{}, errors.New("database away")
	}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	failing.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "gatehouse_signins_total") || strings.Contains(w.Body.String(), "gatehouse_mail_queue_depth ") {
		t.Fatalf("with the database away /metrics must still answer without the queue gauges: %d", w.Code)
	}
}
