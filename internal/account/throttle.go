package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// ThrottleOptions limit sign-in failures within a sliding window. Past a
// limit, attempts are refused unverified until enough failures leave the
// window; refused attempts are not counted, so the block ends on its own
// (backoff, never a lockout an attacker can keep up by hammering).
type ThrottleOptions struct {
	Window     time.Duration // length of the sliding window (15m)
	PerAccount int           // failures per account, from any address (10)
	PerIP      int           // failures per client address or IPv6 /64 (50)
}

// DefaultThrottleOptions returns the default limits.
func DefaultThrottleOptions() ThrottleOptions {
	return ThrottleOptions{Window: 15 * time.Minute, PerAccount: 10, PerIP: 50}
}

func (o ThrottleOptions) withDefaults() ThrottleOptions {
	d := DefaultThrottleOptions()
	if o.Window == 0 {
		o.Window = d.Window
	}
	if o.PerAccount == 0 {
		o.PerAccount = d.PerAccount
	}
	if o.PerIP == 0 {
		o.PerIP = d.PerIP
	}
	return o
}

func (o ThrottleOptions) validate() error {
	if o.Window < time.Second || o.PerAccount < 1 || o.PerIP < 1 {
		return errors.New("throttle: window must be at least 1s and limits at least 1")
	}
	return nil
}

// Throttle key prefixes. The ThrottleStore sees only these keys.
const (
	keyUser  = "signin:user:"  // + user id
	keyLogin = "signin:login:" // + hex SHA-256 of the folded unknown login
	keyIP    = "signin:ip:"    // + address, or IPv6 /64 prefix
)

// accountKey is the per-account throttle key: the user id when the login
// is known, else a digest of the folded login, so an unknown login is
// throttled just like a known one (and its text, which may be a mistyped
// password, is not stored).
func accountKey(u *storage.User, login string) string {
	if u != nil {
		return keyUser + u.ID
	}
	sum := sha256.Sum256([]byte(storage.FoldCase(login)))
	return keyLogin + hex.EncodeToString(sum[:16])
}

// ipKey is the per-client throttle key. IPv6 clients are grouped by /64,
// the block one subscriber usually holds; an unparsable address is used
// as given (bounded), and an empty one shares a single bucket.
func ipKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		if len(ip) > 64 {
			ip = ip[:64]
		}
		return keyIP + ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		return keyIP + netip.PrefixFrom(addr, 64).Masked().String()
	}
	return keyIP + addr.String()
}

// checkThrottle refuses when key already has limit failures in the
// window. A store error is returned as is: throttling fails closed.
func (s *Service) checkThrottle(ctx context.Context, key, scope string, limit int) error {
	n, err := s.stores.Throttles().Count(ctx, key, s.now(), s.throttle.Window)
	if err != nil {
		return fmt.Errorf("account: read %s throttle: %w", scope, err)
	}
	if n >= limit {
		return &ThrottledError{RetryAfter: s.throttle.Window, Scope: scope}
	}
	return nil
}

// inflightWindow bounds how long a reserved attempt counts when its
// release never comes (the replica died mid-verification).
const inflightWindow = time.Minute

// keyInflight prefixes the account keys of attempts being verified now.
const keyInflight = "signin:inflight:"

// attempt is one password (or second-factor) check against an account's
// limit. Failures and attempts in flight are counted apart: the limit
// covers both, so parallel requests on any replica cannot verify more than
// it allows between them, while only failures stay counted afterwards, so
// several browsers signing in at once with the right password neither
// meet the captcha nor the limit.
type attempt struct {
	s   *Service
	key string    // the account's failure key
	at  time.Time // when the in-flight hit was recorded
}

// beginAttempt refuses when the account's failures plus the attempts in
// flight reach the limit (nothing stays counted then, so hammering does
// not extend the block), else reserves an in-flight slot. Every attempt
// ends with fail, succeed or release.
func (s *Service) beginAttempt(ctx context.Context, key string) (*attempt, error) {
	if err := s.checkThrottle(ctx, key, "account", s.throttle.PerAccount); err != nil {
		return nil, err
	}
	a := &attempt{s: s, key: key, at: s.now()}
	inflight, err := s.stores.Throttles().Hit(ctx, keyInflight+key, a.at, inflightWindow)
	if err != nil {
		return nil, fmt.Errorf("account: reserve sign-in attempt: %w", err)
	}
	// Read the failures after the reservation: an attempt that ended
	// meanwhile recorded its failure before releasing its slot.
	failures, err := s.stores.Throttles().Count(ctx, key, s.now(), s.throttle.Window)
	if err != nil {
		a.release(ctx)
		return nil, fmt.Errorf("account: read account throttle: %w", err)
	}
	if failures+inflight > s.throttle.PerAccount {
		a.release(ctx)
		return nil, &ThrottledError{RetryAfter: s.throttle.Window, Scope: "account"}
	}
	return a, nil
}

// fail counts the failure against the account and the other keys given
// (the address), then frees the in-flight slot.
func (a *attempt) fail(ctx context.Context, keys ...string) error {
	defer a.release(ctx)
	return a.s.recordFailure(ctx, append([]string{a.key}, keys...)...)
}

// succeed forgets the account's failures and frees the slot.
func (a *attempt) succeed(ctx context.Context) error {
	defer a.release(ctx)
	if err := a.s.stores.Throttles().Reset(ctx, a.key); err != nil {
		return fmt.Errorf("account: reset sign-in throttle: %w", err)
	}
	return nil
}

// release frees the in-flight slot without counting anything (the check
// was not finished, or its outcome is counted elsewhere). A failure to
// release is logged: the slot then lapses after inflightWindow.
func (a *attempt) release(ctx context.Context) {
	if a == nil {
		return
	}
	if err := a.s.stores.Throttles().Release(context.WithoutCancel(ctx), keyInflight+a.key, a.at, inflightWindow); err != nil {
		a.s.log.WarnContext(ctx, "release sign-in attempt", slog.Any("error", err))
	}
}

// recordFailure counts one failure against every key.
func (s *Service) recordFailure(ctx context.Context, keys ...string) error {
	now := s.now()
	for _, k := range keys {
		if _, err := s.stores.Throttles().Hit(ctx, k, now, s.throttle.Window); err != nil {
			return fmt.Errorf("account: record sign-in failure: %w", err)
		}
	}
	return nil
}
