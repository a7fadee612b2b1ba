package mail

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// markTimeout bounds the bookkeeping after a delivery, which runs even
// when Run's context has just ended, so a sent letter is recorded as sent.
const markTimeout = 10 * time.Second

// Run delivers due letters from outbox until ctx ends: it claims up to 10
// at a time (leased for a minute, so workers on other replicas skip them),
// sends each, and records the outcome. A failed attempt is retried after
// an exponential backoff; after MaxAttempts the letter is abandoned. It
// looks again at once when a batch was full, when Kick is called, and
// otherwise every PollInterval. Without SMTP, letters are captured: marked
// sent and logged.
func (m *Mailer) Run(ctx context.Context, outbox storage.OutboxStore) {
	m.announce()
	timer := time.NewTimer(0)
	defer timer.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-m.kick:
		}
		full, err := m.runBatch(ctx, outbox)
		failing = m.reportClaim(ctx, err, failing)
		if full {
			timer.Reset(0)
		} else {
			timer.Reset(m.poll)
		}
	}
}

// runBatch claims and delivers one batch; full reports whether the claim
// returned a whole batch, so more may be due.
func (m *Mailer) runBatch(ctx context.Context, outbox storage.OutboxStore) (full bool, err error) {
	claimed := time.Now()
	msgs, err := outbox.ClaimDue(ctx, claimed, leaseTime, batchSize)
	if err != nil {
		if ctx.Err() != nil {
			return false, nil
		}
		return false, err
	}
	for _, msg := range msgs {
		// Stop while the lease still covers a whole delivery; what is left
		// stays leased and is claimed again when the lease runs out.
		if ctx.Err() != nil || time.Since(claimed) > leaseTime-2*m.sendTimeout {
			break
		}
		m.deliver(ctx, outbox, msg, claimed.Add(leaseTime))
	}
	return len(msgs) == batchSize, nil
}

// reportClaim logs the first failure to claim letters and the recovery,
// not every poll in between.
func (m *Mailer) reportClaim(ctx context.Context, err error, failing bool) bool {
	switch {
	case err != nil && !failing:
		m.log.ErrorContext(ctx, "mail outbox unavailable; letters wait until it is back", slog.Any("error", err))
	case err == nil && failing:
		m.log.InfoContext(ctx, "mail outbox available again")
	}
	return err != nil
}

// deliver sends (or captures) one letter and records the outcome before
// leaseEnd, when another worker may claim it again.
func (m *Mailer) deliver(ctx context.Context, outbox storage.OutboxStore, msg storage.OutboxMessage, leaseEnd time.Time) {
	if m.smtp == nil {
		m.capture(ctx, msg)
		m.markSent(ctx, outbox, msg, m.dev, leaseEnd)
		m.metrics.captured.WithLabelValues(kindLabel(msg.Kind)).Inc()
		return
	}
	sendCtx, cancel := context.WithTimeout(ctx, m.sendTimeout)
	err := m.smtp.deliver(sendCtx, msg)
	cancel()
	if err != nil && ctx.Err() != nil {
		return // shutting down: the lease runs out and a worker tries again
	}
	if err != nil {
		m.markFailed(ctx, outbox, msg, err)
		return
	}
	m.metrics.sent.WithLabelValues(kindLabel(msg.Kind)).Inc()
	m.markSent(ctx, outbox, msg, false, leaseEnd)
}

// markSent records the delivery. The letter's bodies, which may carry
// one-time links and passwords, are erased then, except for a letter
// captured in development mode (keepBodies), which the dev mailbox shows
// until the sweeper erases it.
//
// A letter that went out but is not recorded would be sent again when its
// lease runs out, so while the database is unreachable the record is
// retried until shortly before leaseEnd (a minute after the claim).
func (m *Mailer) markSent(ctx context.Context, outbox storage.OutboxStore, msg storage.OutboxMessage, keepBodies bool, leaseEnd time.Time) {
	mark := outbox.MarkSent
	if keepBodies {
		mark = outbox.MarkCaptured
	}
	err := retryUntil(ctx, leaseEnd.Add(-markMargin), func(ctx context.Context) error { return mark(ctx, msg.ID, time.Now()) })
	if err != nil {
		m.log.ErrorContext(ctx, "letter sent but not marked as sent; it may be sent again",
			slog.String("id", msg.ID), slog.String("kind", msg.Kind), slog.Any("error", err))
	}
}

// markMargin: the record of a delivery is given up this long before the
// lease ends, so that it never races another worker's claim.
const markMargin = 5 * time.Second

// retryUntil calls fn (each call bounded by markTimeout) until it succeeds
// or deadline passes, waiting 100 ms, doubling up to 2 s, between calls.
// Each call runs even when ctx has ended (the bookkeeping of a sent letter
// should not be lost to a shutdown), but once ctx ends only one more call
// is made.
func retryUntil(ctx context.Context, deadline time.Time, fn func(context.Context) error) error {
	base := context.WithoutCancel(ctx)
	wait := 100 * time.Millisecond
	for {
		callCtx, cancel := context.WithTimeout(base, min(markTimeout, max(time.Until(deadline), time.Second)))
		err := fn(callCtx)
		cancel()
		if err == nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done(): // shutting down: one more try, then give up
			wait = 0
			deadline = time.Now()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// markFailed records a failed attempt with the time of the next one, or
// abandons the letter after the last attempt (or at once when no retry can
// help).
func (m *Mailer) markFailed(ctx context.Context, outbox storage.OutboxStore, msg storage.OutboxMessage, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	kind := kindLabel(msg.Kind)
	m.metrics.failed.WithLabelValues(kind).Inc()
	attempt := msg.Attempts + 1
	abandon := attempt >= m.maxAttempts || errors.Is(cause, errPermanent)
	now := time.Now()
	wait := m.backoff(attempt)
	attrs := []any{slog.String("id", msg.ID), slog.String("kind", msg.Kind),
		slog.Int("attempt", attempt), slog.Any("error", cause)}
	if err := outbox.MarkFailed(ctx, msg.ID, now, now.Add(wait), shortError(cause), abandon); err != nil {
		m.log.ErrorContext(ctx, "letter not delivered, and the failure not recorded",
			append(attrs, slog.Any("store_error", err))...)
		return
	}
	if abandon {
		m.metrics.abandoned.WithLabelValues(kind).Inc()
		m.log.ErrorContext(ctx, "letter abandoned", attrs...)
		return
	}
	m.log.WarnContext(ctx, "letter not delivered; will retry", append(attrs, slog.Duration("retry_in", wait))...)
}

// backoff is the wait after the attempt-th failure: RetryBase doubled for
// each earlier failure, capped at RetryMax, then spread by ±20% so letters
// that failed together do not retry together.
func (m *Mailer) backoff(attempt int) time.Duration {
	d := m.retryBase
	for i := 1; i < attempt && d < m.retryMax; i++ {
		d *= 2
	}
	d = min(d, m.retryMax)
	spread := int64(d) * 2 / 5
	if spread <= 0 {
		return d
	}
	return d - time.Duration(spread/2) + time.Duration(rand.Int64N(spread+1))
}

// shortError is err on one line, at most 300 bytes, for LastError.
func shortError(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	const limit = 300
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
