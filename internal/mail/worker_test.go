package mail

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// A letter goes out over SMTP with both parts, the headers we promise and
// the link, and its row is marked sent.
func TestWorkerDeliversOverSMTP(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	reg := prometheus.NewRegistry()
	m := newTestMailer(t, Options{SMTPURL: sink.URL(), From: "Acme ID <no-reply@id.example.com>", Registerer: reg})
	o := &memOutbox{}
	l := verifyLetter(m, "anna@example.org")
	id := enqueue(t, m, o, l)
	runWorker(t, m, o)
	m.Kick()

	got := sink.WaitForMessage(t, testharness.SentTo("anna@example.org"), 5*time.Second)
	row := o.get(id)
	if got.Subject != row.Subject || got.From != "no-reply@id.example.com" {
		t.Errorf("subject %q from %q", got.Subject, got.From)
	}
	if !strings.Contains(got.TextBody, l.Data["Link"].(string)) || !strings.Contains(got.HTMLBody, "<a href=") {
		t.Errorf("parts:\n%s\n%s", got.TextBody, got.HTMLBody)
	}
	links := got.Links()
	if len(links) == 0 || links[0] != l.Data["Link"] {
		t.Errorf("links %v", links)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type %q", ct)
	}
	if mid := got.Header.Get("Message-Id"); mid != "<outbox."+id+"@id.example.com>" {
		t.Errorf("Message-Id %q", mid)
	}
	if got.Header.Get("Auto-Submitted") != "auto-generated" || got.Header.Get("Date") == "" {
		t.Errorf("headers %v", got.Header)
	}
	waitFor(t, "the row to be marked sent", 5*time.Second, func() bool { return !o.get(id).SentAt.IsZero() })
	if v := counterValue(t, reg, "gatehouse_mail_sent_total", VerifyEmail); v != 1 {
		t.Errorf("sent_total = %v", v)
	}
}

func TestWorkerAuthenticates(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	m := newTestMailer(t, Options{SMTPURL: "smtp://mailer:s3cret@" + sink.Addr() + "?insecure=1"})
	o := &memOutbox{}
	enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	runWorker(t, m, o)
	got := sink.WaitForMessage(t, nil, 5*time.Second)
	if got.AuthUser != "mailer" {
		t.Errorf("AUTH user %q", got.AuthUser)
	}
}

// With the SMTP server down, attempts fail and are retried with growing
// waits; once it is back the letter arrives, once.
func TestWorkerRetriesWhileSMTPDown(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	sink.SetDown(true)
	reg := prometheus.NewRegistry()
	logs := &logBuffer{}
	m := newTestMailer(t, Options{SMTPURL: sink.URL(), Registerer: reg, MaxAttempts: 100, Logger: logs.logger(),
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	o := &memOutbox{}
	id := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	runWorker(t, m, o)

	waitFor(t, "three failed attempts", 10*time.Second, func() bool { return o.get(id).Attempts >= 3 })
	row := o.get(id)
	if row.LastError == "" || !row.SentAt.IsZero() || !row.AbandonedAt.IsZero() {
		t.Errorf("after failures: %+v", row)
	}
	if !strings.Contains(logs.String(), "will retry") {
		t.Errorf("no retry logged:\n%s", logs)
	}
	o.mu.Lock()
	waits := slices.Clone(o.waits[:3])
	o.mu.Unlock()
	for i, want := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond} {
		if waits[i] < want*4/5 || waits[i] > want*6/5 {
			t.Errorf("wait after failure %d = %s, want %s ±20%%", i+1, waits[i], want)
		}
	}
	sink.SetDown(false)
	sink.WaitForMessage(t, testharness.SentTo("anna@example.org"), 10*time.Second)
	waitFor(t, "the row to be marked sent", 5*time.Second, func() bool { return !o.get(id).SentAt.IsZero() })
	time.Sleep(100 * time.Millisecond)
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
	if v := counterValue(t, reg, "gatehouse_mail_failed_attempts_total", VerifyEmail); v < 3 {
		t.Errorf("failed_attempts_total = %v", v)
	}
	if v := counterValue(t, reg, "gatehouse_mail_abandoned_total", VerifyEmail); v != 0 {
		t.Errorf("abandoned_total = %v", v)
	}
}

// After MaxAttempts failures the letter is abandoned, counted, and not
// tried again.
func TestWorkerAbandonsAfterMaxAttempts(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	sink.SetDown(true)
	reg := prometheus.NewRegistry()
	m := newTestMailer(t, Options{SMTPURL: sink.URL(), Registerer: reg, MaxAttempts: 3})
	o := &memOutbox{}
	id := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	runWorker(t, m, o)

	waitFor(t, "the letter to be abandoned", 10*time.Second, func() bool { return !o.get(id).AbandonedAt.IsZero() })
	time.Sleep(150 * time.Millisecond) // several retry periods: nothing more may happen
	row := o.get(id)
	if row.Attempts != 3 || !row.SentAt.IsZero() {
		t.Errorf("abandoned row: %+v", row)
	}
	if v := counterValue(t, reg, "gatehouse_mail_abandoned_total", VerifyEmail); v != 1 {
		t.Errorf("abandoned_total = %v, want 1", v)
	}
	if v := counterValue(t, reg, "gatehouse_mail_failed_attempts_total", VerifyEmail); v != 3 {
		t.Errorf("failed_attempts_total = %v, want 3", v)
	}
	sink.SetDown(false)
	time.Sleep(100 * time.Millisecond)
	if n := len(sink.Messages()); n != 0 {
		t.Errorf("an abandoned letter was delivered (%d messages)", n)
	}
}

// Two workers (two replicas) on one outbox deliver every letter exactly
// once: the claim's lease keeps them apart.
func TestTwoWorkersSendEachLetterOnce(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	reg := prometheus.NewRegistry()
	o := &memOutbox{}
	a := newTestMailer(t, Options{SMTPURL: sink.URL(), Registerer: reg, PollInterval: time.Millisecond})
	b := newTestMailer(t, Options{SMTPURL: sink.URL(), Registerer: reg, PollInterval: time.Millisecond})
	const letters = 25
	for i := range letters {
		enqueue(t, a, o, verifyLetter(a, fmt.Sprintf("user%02d@example.org", i)))
	}
	runWorker(t, a, o)
	runWorker(t, b, o)

	waitFor(t, "every letter delivered", 20*time.Second, func() bool { return len(sink.Messages()) >= letters })
	time.Sleep(100 * time.Millisecond)
	seen := map[string]int{}
	for _, msg := range sink.Messages() {
		seen[strings.Join(msg.To, ",")]++
	}
	if len(seen) != letters || len(sink.Messages()) != letters {
		t.Errorf("%d messages to %d recipients, want %d each", len(sink.Messages()), len(seen), letters)
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s got %d letters", to, n)
		}
	}
	if v := counterValue(t, reg, "gatehouse_mail_sent_total", VerifyEmail); v != letters {
		t.Errorf("sent_total = %v (shared registry), want %d", v, letters)
	}
}

// The worker outlives a failing outbox, logs the outage once and the
// recovery, and delivers afterwards.
func TestWorkerSurvivesOutboxFailures(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	logs := &logBuffer{}
	m := newTestMailer(t, Options{SMTPURL: sink.URL(), Logger: logs.logger(), PollInterval: 5 * time.Millisecond})
	o := &memOutbox{}
	o.setFailClaims(true)
	enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	runWorker(t, m, o)
	time.Sleep(100 * time.Millisecond)
	o.setFailClaims(false)
	sink.WaitForMessage(t, nil, 5*time.Second)
	waitFor(t, "the recovery to be logged", 2*time.Second, func() bool {
		return strings.Contains(logs.String(), "available again")
	})
	if n := strings.Count(logs.String(), "mail outbox unavailable"); n != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", n, logs)
	}
}

// A letter that went out while its row could not be marked sent (the
// database was briefly away) is marked once the database answers, within
// its lease, and is not sent again.
func TestWorkerRecordsADeliveryAfterTheOutboxComesBack(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	m := newTestMailer(t, Options{SMTPURL: sink.URL(), PollInterval: 5 * time.Millisecond})
	o := &memOutbox{}
	o.mu.Lock()
	o.failMarks = 3
	o.mu.Unlock()
	id := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	runWorker(t, m, o)
	waitFor(t, "the row to be marked sent", 10*time.Second, func() bool { return !o.get(id).SentAt.IsZero() })
	time.Sleep(50 * time.Millisecond) // more polls: nothing is due
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("%d letters arrived, want 1", n)
	}
}

// Run returns promptly when its context ends, even while the SMTP server
// is unreachable.
func TestRunStopsWithContext(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	sink.SetDown(true)
	m := newTestMailer(t, Options{SMTPURL: sink.URL()})
	o := &memOutbox{}
	enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx, o) })
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cancel()
	wg.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %s to stop", d)
	}
}

func TestBackoff(t *testing.T) {
	m := newTestMailer(t, Options{RetryBase: 10 * time.Second, RetryMax: time.Hour})
	tests := []struct {
		attempt int
		base    time.Duration
	}{
		{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {4, 80 * time.Second},
		{9, 2560 * time.Second}, {10, time.Hour}, {60, time.Hour}, {1000, time.Hour},
	}
	for _, tc := range tests {
		for range 50 {
			d := m.backoff(tc.attempt)
			if d < tc.base*4/5 || d > tc.base*6/5 {
				t.Fatalf("backoff(%d) = %s, want %s ±20%%", tc.attempt, d, tc.base)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[m.backoff(1)] = true
	}
	if len(seen) < 2 {
		t.Error("backoff has no jitter")
	}
}

func TestShortError(t *testing.T) {
	long := strings.Repeat("ё", 400)
	got := shortError(fmt.Errorf("dial:\r\n  %s", long))
	if strings.ContainsAny(got, "\r\n") || len(got) > 304 || !strings.HasPrefix(got, "dial: ё") {
		t.Errorf("shortError = %q (%d bytes)", got, len(got))
	}
}
