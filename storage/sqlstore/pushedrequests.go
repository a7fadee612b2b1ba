package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// pushedRequests implements storage.PushedRequestStore over
// pushed_authorization_requests. Take is one DELETE ... RETURNING: of
// parallel calls exactly one gets the row, on any replica.
type pushedRequests struct{ h handle }

const pushedRequestColumns = `id, client_id, params, created_at, expires_at`

type pushedRequestRow struct {
	ID        []byte `db:"id"`
	ClientID  string `db:"client_id"`
	Params    string `db:"params"`
	CreatedAt dbTime `db:"created_at"`
	ExpiresAt dbTime `db:"expires_at"`
}

func (s pushedRequests) Create(ctx context.Context, r *storage.PushedRequest) error {
	if len(r.IDHash) == 0 || r.ClientID == "" || r.ExpiresAt.IsZero() {
		return fmt.Errorf("create pushed request: %w: id, client and expiry are required", storage.ErrInvalid)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	r.CreatedAt, r.ExpiresAt = storage.Time(r.CreatedAt), storage.Time(r.ExpiresAt)
	_, err := s.h.exec(ctx, `INSERT INTO pushed_authorization_requests (`+pushedRequestColumns+`) VALUES (?, ?, ?, ?, ?)`,
		r.IDHash, r.ClientID, r.Params, s.h.d.ts(r.CreatedAt), s.h.d.ts(r.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create pushed request: %w", mapErr(err))
	}
	return nil
}

func (s pushedRequests) Take(ctx context.Context, idHash []byte, clientID string, now time.Time) (storage.PushedRequest, error) {
	var row pushedRequestRow
	err := s.h.getWrite(ctx, &row, `DELETE FROM pushed_authorization_requests WHERE id = ? AND client_id = ?
		RETURNING `+pushedRequestColumns, idHash, clientID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storage.PushedRequest{}, fmt.Errorf("take pushed request: %w", storage.ErrNotFound)
	case err != nil:
		return storage.PushedRequest{}, fmt.Errorf("take pushed request: %w", mapErr(err))
	}
	r := storage.PushedRequest{IDHash: row.ID, ClientID: row.ClientID, Params: row.Params,
		CreatedAt: row.CreatedAt.time(), ExpiresAt: row.ExpiresAt.time()}
	if !r.ExpiresAt.After(storage.Time(now)) {
		return storage.PushedRequest{}, fmt.Errorf("take pushed request: %w: it has expired", storage.ErrNotFound)
	}
	return r, nil
}

func (s pushedRequests) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM pushed_authorization_requests WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired pushed requests: %w", mapErr(err))
	}
	return n, nil
}
