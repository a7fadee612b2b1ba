package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Without SMTP, in development mode, a letter is marked sent at once and
// logged with its recipient, subject and links.
func TestCaptureModeInDev(t *testing.T) {
	logs := &logBuffer{}
	reg := prometheus.NewRegistry()
	m := newTestMailer(t, Options{Dev: true, Logger: logs.logger(), Registerer: reg})
	o := &memOutbox{}
	l := verifyLetter(m, "anna@example.org")
	id := enqueue(t, m, o, l)
	runWorker(t, m, o)
	m.Kick()

	waitFor(t, "the letter to be captured", 5*time.Second, func() bool { return !o.get(id).SentAt.IsZero() })
	waitFor(t, "the capture to be logged", 2*time.Second, func() bool {
		return strings.Contains(logs.String(), "letter captured")
	})
	out := logs.String()
	for _, want := range []string{"anna@example.org", o.get(id).Subject, l.Data["Link"].(string), "/dev/mail"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NOT delivered") {
		t.Errorf("dev mode warned that mail is not delivered:\n%s", out)
	}
	if v := counterValue(t, reg, "gatehouse_mail_captured_total", VerifyEmail); v != 1 {
		t.Errorf("captured_total = %v", v)
	}
	if v := counterValue(t, reg, "gatehouse_mail_sent_total", VerifyEmail); v != 0 {
		t.Errorf("sent_total = %v for a captured letter", v)
	}
}

// Outside development mode, capturing warns once at start, and the log
// never shows a link: links carry tokens.
func TestCaptureModeOutsideDev(t *testing.T) {
	logs := &logBuffer{}
	m := newTestMailer(t, Options{Logger: logs.logger()})
	o := &memOutbox{}
	first := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	second := enqueue(t, m, o, verifyLetter(m, "boris@example.org"))
	runWorker(t, m, o)

	waitFor(t, "both letters to be captured", 5*time.Second, func() bool {
		return !o.get(first).SentAt.IsZero() && !o.get(second).SentAt.IsZero()
	})
	waitFor(t, "the captures to be logged", 2*time.Second, func() bool {
		return strings.Count(logs.String(), "letter captured, not delivered") == 2
	})
	out := logs.String()
	if n := strings.Count(out, "NOT delivered"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "level=WARN") {
		t.Errorf("no warning:\n%s", out)
	}
	for _, secret := range []string{"tok-", "https://", "anna@example.org"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows %q outside dev mode:\n%s", secret, out)
		}
	}
}

func TestLinksIn(t *testing.T) {
	got := linksIn("Open https://id.example.com/verify?token=a%2Fb. Or (http://x.example/y), <https://z.example/>")
	want := []string{"https://id.example.com/verify?token=a%2Fb", "http://x.example/y", "https://z.example/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("linksIn = %q, want %q", got, want)
	}
}
