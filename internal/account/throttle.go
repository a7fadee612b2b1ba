package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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

// reserveAttempt counts an attempt against the account key before its
// password is verified, and refuses it when the limit is already reached
// (then nothing is counted, so hammering does not extend the block) or was
// reached by parallel attempts meanwhile (Hit is atomic). A successful
// sign-in resets the key, so only failures remain counted.
func (s *Service) reserveAttempt(ctx context.Context, key string) error {
	if err := s.checkThrottle(ctx, key, "account", s.throttle.PerAccount); err != nil {
		return err
	}
	n, err := s.stores.Throttles().Hit(ctx, key, s.now(), s.throttle.Window)
	if err != nil {
		return fmt.Errorf("account: count sign-in attempt: %w", err)
	}
	if n > s.throttle.PerAccount {
		return &ThrottledError{RetryAfter: s.throttle.Window, Scope: "account"}
	}
	return nil
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
