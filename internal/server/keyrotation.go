package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// Instance key rotation. GATEHOUSE_SECRET_KEY=new,old makes every replica
// encrypt with new and decrypt with new, then old: signing keys at rest,
// TOTP secrets, the pending second-step cookie and opaque access tokens.
// Nothing Gatehouse looks up is keyed by the instance key (codes, refresh
// tokens, sessions and one-time tokens are stored as plain SHA-256 hashes
// of 128+ bit secrets), so a rotation signs nobody out. Reencrypt then
// seals what is stored under new, and old can go.

// ReencryptReport counts what Reencrypt did.
type ReencryptReport struct {
	SigningKeys ReencryptCounts `json:"signing_keys"`
	TOTPSecrets ReencryptCounts `json:"totp_secrets"`
}

// ReencryptCounts: how many secrets of one kind were sealed again under
// the current key, and how many were under it already.
type ReencryptCounts struct {
	Reencrypted int `json:"reencrypted"`
	Current     int `json:"current"`
}

// Reencrypt seals every stored secret that an older instance key (listed
// after the current one in key) encrypted again under the current key. It
// is idempotent and safe while replicas serve. Rows no listed key opens are
// reported in the error, after every other row is done.
func Reencrypt(ctx context.Context, cfg config.Config, key instancekey.Key, store *sqlstore.Store, logger *slog.Logger) (ReencryptReport, error) {
	var r ReencryptReport
	var errs []error
	p, err := NewProvider(ctx, cfg, key, store, logger)
	if err != nil {
		return r, err
	}
	n, err := p.ReencryptSigningKeys(ctx)
	r.SigningKeys = ReencryptCounts{Reencrypted: n.Resealed, Current: n.Current}
	if err != nil {
		errs = append(errs, fmt.Errorf("signing keys: %w", err))
	}
	r.TOTPSecrets.Reencrypted, r.TOTPSecrets.Current, err = account.ReencryptTOTPSecrets(ctx, store.MFA(), key.DeriveAll32(mfa.KeyPurpose))
	if err != nil {
		errs = append(errs, fmt.Errorf("authenticator secrets: %w", err))
	}
	return r, errors.Join(errs...)
}

// announceKeyRotation tells the operator, at start, that older instance
// keys are still listed and what finishes the rotation.
func (s *Server) announceKeyRotation(ctx context.Context) {
	if s.key.Rotating() {
		s.log.InfoContext(ctx, "instance key rotation: GATEHOUSE_SECRET_KEY lists older keys after the current one; "+
			"run `gatehouse keys reencrypt`, then remove the older keys once access tokens issued before the rotation have expired")
	}
}
