package mail

import (
	"errors"
	"fmt"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the gatehouse_mail_* metrics, labelled by letter kind.
type counters struct {
	sent      *prometheus.CounterVec
	captured  *prometheus.CounterVec
	failed    *prometheus.CounterVec
	abandoned *prometheus.CounterVec
}

// newCounters creates the counters and registers them with reg, if any.
// Counters another Mailer already registered there are shared.
func newCounters(reg prometheus.Registerer) (*counters, error) {
	c := &counters{
		sent:      counterVec("gatehouse_mail_sent_total", "Letters delivered to the SMTP server, by letter kind."),
		captured:  counterVec("gatehouse_mail_captured_total", "Letters kept in the outbox without delivery (no SMTP configured), by letter kind."),
		failed:    counterVec("gatehouse_mail_failed_attempts_total", "Failed SMTP delivery attempts, by letter kind."),
		abandoned: counterVec("gatehouse_mail_abandoned_total", "Letters given up after the last failed attempt, by letter kind."),
	}
	if reg == nil {
		return c, nil
	}
	for _, v := range []**prometheus.CounterVec{&c.sent, &c.captured, &c.failed, &c.abandoned} {
		registered, err := register(reg, *v)
		if err != nil {
			return nil, err
		}
		*v = registered
	}
	// Every kind's series exist from the start at 0, so that dashboards
	// and rate() see them before the first letter.
	for _, kind := range Templates() {
		for _, v := range []*prometheus.CounterVec{c.sent, c.captured, c.failed, c.abandoned} {
			v.WithLabelValues(kind)
		}
	}
	return c, nil
}

func counterVec(name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"kind"})
}

// register adds v to reg, or returns the identical collector already there.
func register(reg prometheus.Registerer, v *prometheus.CounterVec) (*prometheus.CounterVec, error) {
	err := reg.Register(v)
	if err == nil {
		return v, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return existing, nil
		}
	}
	return nil, fmt.Errorf("register mail metrics: %w", err)
}

// kindLabel bounds the label to the known letters: an outbox row can hold
// anything.
func kindLabel(kind string) string {
	if slices.Contains(Templates(), kind) {
		return kind
	}
	return "other"
}
