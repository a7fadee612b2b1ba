package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// signingKeys implements storage.SigningKeyStore. The table is tiny (a
// handful of published keys), so it has no index beyond the listing order.
type signingKeys struct{ h handle }

const signingKeyColumns = `id, algorithm, state, private_encrypted, public_jwk, created_at,
	activated_at, retired_at, publish_until`

type signingKeyRow struct {
	ID               string `db:"id"`
	Algorithm        string `db:"algorithm"`
	State            string `db:"state"`
	PrivateEncrypted []byte `db:"private_encrypted"`
	PublicJWK        []byte `db:"public_jwk"`
	CreatedAt        dbTime `db:"created_at"`
	ActivatedAt      dbTime `db:"activated_at"`
	RetiredAt        dbTime `db:"retired_at"`
	PublishUntil     dbTime `db:"publish_until"`
}

func (r signingKeyRow) key() storage.SigningKey {
	return storage.SigningKey{
		ID: r.ID, Algorithm: r.Algorithm, State: r.State, PrivateEncrypted: r.PrivateEncrypted,
		PublicJWK: r.PublicJWK, CreatedAt: r.CreatedAt.time(), ActivatedAt: r.ActivatedAt.time(),
		RetiredAt: r.RetiredAt.time(), PublishUntil: r.PublishUntil.time(),
	}
}

func knownKeyState(state string) bool {
	return state == storage.KeyNext || state == storage.KeyActive || state == storage.KeyRetired
}

func prepareSigningKey(k *storage.SigningKey) error {
	switch {
	case k.Algorithm == "" || len(k.PrivateEncrypted) == 0 || len(k.PublicJWK) == 0:
		return fmt.Errorf("%w: algorithm and both key parts are required", storage.ErrInvalid)
	case !knownKeyState(k.State):
		return fmt.Errorf("%w: unknown key state %q", storage.ErrInvalid, k.State)
	case k.State == storage.KeyRetired && k.PublishUntil.IsZero():
		return fmt.Errorf("%w: a retired key needs PublishUntil", storage.ErrInvalid)
	}
	if k.ID == "" {
		k.ID = storage.NewID()
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	k.CreatedAt = storage.Time(k.CreatedAt)
	if k.State == storage.KeyActive && k.ActivatedAt.IsZero() {
		k.ActivatedAt = k.CreatedAt
	}
	k.ActivatedAt, k.RetiredAt = storage.Time(k.ActivatedAt), storage.Time(k.RetiredAt)
	k.PublishUntil = storage.Time(k.PublishUntil)
	return nil
}

func (s signingKeys) Create(ctx context.Context, k *storage.SigningKey) error {
	if err := prepareSigningKey(k); err != nil {
		return fmt.Errorf("create signing key: %w", err)
	}
	d := s.h.d
	_, err := s.h.exec(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.State, k.PrivateEncrypted, k.PublicJWK, d.ts(k.CreatedAt),
		d.nullTS(k.ActivatedAt), d.nullTS(k.RetiredAt), d.nullTS(k.PublishUntil))
	if err != nil {
		return fmt.Errorf("create signing key %s: %w", k.ID, mapErr(err))
	}
	return nil
}

func (s signingKeys) List(ctx context.Context) ([]storage.SigningKey, error) {
	var rows []signingKeyRow
	err := s.h.selectRows(ctx, &rows, `SELECT `+signingKeyColumns+` FROM signing_keys
		ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", mapErr(err))
	}
	list := make([]storage.SigningKey, len(rows))
	for i, r := range rows {
		list[i] = r.key()
	}
	return list, nil
}

func (s signingKeys) SetState(ctx context.Context, id, state string, now, publishUntil time.Time) error {
	d := s.h.d
	var (
		n   int64
		err error
	)
	switch state {
	case storage.KeyActive:
		n, err = s.h.exec(ctx, `UPDATE signing_keys SET state = ?, activated_at = ?
			WHERE id = ? AND state = ?`, state, d.ts(now), id, storage.KeyNext)
	case storage.KeyRetired:
		if publishUntil.IsZero() {
			return fmt.Errorf("retire signing key %s: %w: publishUntil is required", id, storage.ErrInvalid)
		}
		n, err = s.h.exec(ctx, `UPDATE signing_keys SET state = ?, retired_at = ?, publish_until = ?
			WHERE id = ? AND state IN (?, ?)`,
			state, d.ts(now), d.ts(publishUntil), id, storage.KeyNext, storage.KeyActive)
	default:
		return fmt.Errorf("set signing key %s to %q: %w: a key only moves to active or retired", id, state, storage.ErrInvalid)
	}
	if err != nil {
		return fmt.Errorf("set signing key %s to %s: %w", id, state, mapErr(err))
	}
	if n == 1 {
		return nil
	}
	var from string
	err = s.h.get(ctx, &from, `SELECT state FROM signing_keys WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("set signing key %s to %s: %w: it is %s", id, state, storage.ErrConflict, from)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("set signing key %s to %s: %w", id, state, storage.ErrNotFound)
	}
	return fmt.Errorf("set signing key %s to %s: %w", id, state, mapErr(err))
}

func (s signingKeys) DeleteUnpublished(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM signing_keys WHERE state = ? AND publish_until <= ?`,
		storage.KeyRetired, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete unpublished signing keys: %w", mapErr(err))
	}
	return n, nil
}

func (s signingKeys) Reseal(ctx context.Context, id string, was, sealed []byte) error {
	if len(sealed) == 0 {
		return fmt.Errorf("reseal signing key %s: %w: the sealed key is required", id, storage.ErrInvalid)
	}
	n, err := s.h.exec(ctx, `UPDATE signing_keys SET private_encrypted = ?
		WHERE id = ? AND private_encrypted = ?`, sealed, id, was)
	if err != nil {
		return fmt.Errorf("reseal signing key %s: %w", id, mapErr(err))
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.h.get(ctx, &one, `SELECT 1 FROM signing_keys WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("reseal signing key %s: %w: it changed meanwhile", id, storage.ErrConflict)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reseal signing key %s: %w", id, storage.ErrNotFound)
	}
	return fmt.Errorf("reseal signing key %s: %w", id, mapErr(err))
}
