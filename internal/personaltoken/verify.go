package personaltoken

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Scopes a personal token may carry.
const (
	ScopeOpenID  = "openid"
	ScopeProfile = "profile"
	ScopeEmail   = "email"
	// ScopeAdmin opens the management API when the owner is an
	// administrator; only administrators get it offered or issued.
	ScopeAdmin = "gatehouse:admin"
)

// Scopes lists every scope a personal token can have, in display order.
func Scopes() []string { return []string{ScopeOpenID, ScopeProfile, ScopeEmail, ScopeAdmin} }

// LastUsedGap: "last used" is written at most this often per token.
const LastUsedGap = time.Minute

// ErrInactive: the token is well formed but unknown, revoked, expired, or
// its owner is not an active user.
var ErrInactive = errors.New("personaltoken: token is not active")

// Store is what verification reads: tokens and their owners.
type Store interface {
	PersonalTokens() storage.PersonalTokenStore
	Users() storage.UserStore
}

// Verified is a live token with its owner.
type Verified struct {
	Token storage.PersonalToken
	User  storage.User
}

// HasScope reports whether the token carries scope.
func (v Verified) HasScope(scope string) bool { return slices.Contains(v.Token.Scopes, scope) }

// Admin reports whether the token opens the management API: its owner is
// an administrator and it carries ScopeAdmin.
func (v Verified) Admin() bool { return v.User.Role == storage.RoleAdmin && v.HasScope(ScopeAdmin) }

// Verifier checks presented tokens against the store.
type Verifier struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// NewVerifier returns a Verifier over store; now and log may be nil.
func NewVerifier(store Store, now func() time.Time, log *slog.Logger) *Verifier {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Verifier{store: store, now: now, log: log}
}

// Verify checks text presented from ip: ErrMalformed (no database asked)
// for a bad format or checksum, ErrInactive for a token that does not
// work; any other error is a store failure. A live token's "last used" is
// recorded (at most once per LastUsedGap; a failure to record is logged,
// not fatal).
func (v *Verifier) Verify(ctx context.Context, text, ip string) (Verified, error) {
	if err := Check(text); err != nil {
		return Verified{}, err
	}
	now := v.now()
	t, err := v.store.PersonalTokens().ByHash(ctx, Hash(text))
	if errors.Is(err, storage.ErrNotFound) {
		return Verified{}, ErrInactive
	}
	if err != nil {
		return Verified{}, fmt.Errorf("personaltoken: look up: %w", err)
	}
	if !t.Live(now) {
		return Verified{}, ErrInactive
	}
	u, err := v.store.Users().ByID(ctx, t.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return Verified{}, ErrInactive
	}
	if err != nil {
		return Verified{}, fmt.Errorf("personaltoken: owner: %w", err)
	}
	if u.State != storage.UserActive {
		return Verified{}, ErrInactive
	}
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= LastUsedGap {
		if _, err := v.store.PersonalTokens().Touch(ctx, t.ID, ip, now, LastUsedGap); err != nil {
			v.log.WarnContext(ctx, "record personal token use", slog.String("token_id", t.ID), slog.Any("error", err))
		}
	}
	return Verified{Token: t, User: u}, nil
}
