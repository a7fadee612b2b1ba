package dynreg

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/storage"
)

// Initial access tokens start with this prefix, so they are recognisable
// in logs and secret scanners.
const tokenPrefix = "ghreg_"

// MaxTokenLifetime bounds an initial access token's lifetime.
const MaxTokenLifetime = 5 * 365 * 24 * time.Hour

// ErrInvalid: a token name or lifetime is out of bounds.
var ErrInvalid = errors.New("dynreg: invalid input")

// Audit event types.
const (
	EventTokenCreate    = "registration_token.create"
	EventTokenRevoke    = "registration_token.revoke"
	EventClientRegister = "client.dynamic_register"
	EventClientUpdate   = "client.dynamic_update"
	EventClientDelete   = "client.dynamic_delete"
)

// newSecret returns a 256-bit random token with prefix and its SHA-256.
func newSecret(prefix string) (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s := prefix + base64.RawURLEncoding.EncodeToString(b)
	return s, hash(s)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// CreateToken creates an initial access token named name, valid for ttl
// (0: until revoked), and returns it with the token itself (shown once).
func (s *Service) CreateToken(ctx context.Context, actor, name string, ttl time.Duration) (storage.RegistrationToken, string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n") {
		return storage.RegistrationToken{}, "", fmt.Errorf("%w: a name has at most 100 characters on one line", ErrInvalid)
	}
	if ttl < 0 || ttl > MaxTokenLifetime {
		return storage.RegistrationToken{}, "", fmt.Errorf("%w: the lifetime must be between 0 (no expiry) and 1825d", ErrInvalid)
	}
	secret, h := newSecret(tokenPrefix)
	now := s.now()
	t := storage.RegistrationToken{Name: name, TokenHash: h, CreatedBy: actor, CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	if err := s.store.RegistrationTokens().Create(ctx, &t); err != nil {
		return storage.RegistrationToken{}, "", err
	}
	s.audit(ctx, storage.AuditEvent{Type: EventTokenCreate, ActorID: actor, Details: map[string]string{"token_id": t.ID, "name": name}})
	return t, secret, nil
}

// ListTokens lists initial access tokens (never the tokens themselves).
func (s *Service) ListTokens(ctx context.Context, cursor string, limit int) (storage.Page[storage.RegistrationToken], error) {
	return s.store.RegistrationTokens().List(ctx, cursor, limit)
}

// RevokeToken revokes an initial access token (storage.ErrNotFound when
// there is none). Clients it registered stay.
func (s *Service) RevokeToken(ctx context.Context, actor, id string) error {
	if err := s.store.RegistrationTokens().Revoke(ctx, id, s.now()); err != nil {
		return err
	}
	s.audit(ctx, storage.AuditEvent{Type: EventTokenRevoke, ActorID: actor, Details: map[string]string{"token_id": id}})
	return nil
}

// initialToken returns the active initial access token raw names.
func (s *Service) initialToken(ctx context.Context, raw string) (storage.RegistrationToken, bool, error) {
	if !strings.HasPrefix(raw, tokenPrefix) {
		return storage.RegistrationToken{}, false, nil
	}
	t, err := s.store.RegistrationTokens().ByHash(ctx, hash(raw))
	if errors.Is(err, storage.ErrNotFound) {
		return t, false, nil
	}
	if err != nil {
		return t, false, err
	}
	return t, t.Active(s.now()), nil
}
