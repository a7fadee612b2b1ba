package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// deviceAuths implements storage.DeviceAuthorizationStore over
// device_authorizations. Decide and Poll are single conditional UPDATEs
// with RETURNING, so replicas need no lock.
type deviceAuths struct{ h handle }

// DeviceAuthorizations gives the device authorizations (RFC 8628); the
// provider finds it by type assertion.
func (s stores) DeviceAuthorizations() storage.DeviceAuthorizationStore { return deviceAuths{s.h} }

const deviceAuthColumns = `id, client_id, device_code_hash, user_code_hash, scopes, state, user_id, auth_time, amr,
	created_at, expires_at, last_poll_at`

type deviceAuthRow struct {
	ID             string         `db:"id"`
	ClientID       string         `db:"client_id"`
	DeviceCodeHash []byte         `db:"device_code_hash"`
	UserCodeHash   []byte         `db:"user_code_hash"`
	Scopes         string         `db:"scopes"`
	State          string         `db:"state"`
	UserID         sql.NullString `db:"user_id"`
	AuthTime       dbTime         `db:"auth_time"`
	AMR            string         `db:"amr"`
	CreatedAt      dbTime         `db:"created_at"`
	ExpiresAt      dbTime         `db:"expires_at"`
	LastPollAt     dbTime         `db:"last_poll_at"`
}

func (r deviceAuthRow) auth() (storage.DeviceAuthorization, error) {
	var d listDecoder
	a := storage.DeviceAuthorization{ID: r.ID, ClientID: r.ClientID, DeviceCodeHash: bytesOrNil(r.DeviceCodeHash),
		UserCodeHash: bytesOrNil(r.UserCodeHash), Scopes: d.list(r.Scopes), State: r.State, UserID: r.UserID.String,
		AuthTime: r.AuthTime.time(), AMR: d.list(r.AMR), CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(),
		LastPollAt: r.LastPollAt.time()}
	if d.err != nil {
		return storage.DeviceAuthorization{}, fmt.Errorf("device authorization %s: %w", r.ID, d.err)
	}
	return a, nil
}

func (s deviceAuths) Create(ctx context.Context, a *storage.DeviceAuthorization) error {
	if a.ClientID == "" || len(a.DeviceCodeHash) == 0 || len(a.UserCodeHash) == 0 || a.ExpiresAt.IsZero() {
		return fmt.Errorf("create device authorization: %w: client, code hashes and expiry are required", storage.ErrInvalid)
	}
	if a.ID == "" {
		a.ID = storage.NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	a.State = storage.DevicePending
	a.CreatedAt, a.ExpiresAt = storage.Time(a.CreatedAt), storage.Time(a.ExpiresAt)
	lists, err := encodeLists(a.Scopes, a.AMR)
	if err != nil {
		return fmt.Errorf("create device authorization: %w", err)
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO device_authorizations (`+deviceAuthColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, NULL)`,
		a.ID, a.ClientID, a.DeviceCodeHash, a.UserCodeHash, lists[0], a.State, lists[1], d.ts(a.CreatedAt), d.ts(a.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create device authorization: %w", mapErr(err))
	}
	return nil
}

func (s deviceAuths) ByUserCode(ctx context.Context, hash []byte) (storage.DeviceAuthorization, error) {
	var row deviceAuthRow
	if err := s.h.get(ctx, &row, `SELECT `+deviceAuthColumns+` FROM device_authorizations WHERE user_code_hash = ?`, hash); err != nil {
		return storage.DeviceAuthorization{}, fmt.Errorf("device authorization: %w", mapErr(err))
	}
	return row.auth()
}

func (s deviceAuths) Decide(ctx context.Context, id string, approve bool, userID string, authTime time.Time, amr []string, now time.Time) error {
	state := storage.DeviceDenied
	if approve {
		state = storage.DeviceApproved
	}
	amrList, err := encodeList(amr)
	if err != nil {
		return err
	}
	d := s.h.d
	n, err := s.h.exec(ctx, `UPDATE device_authorizations SET state = ?, user_id = ?, auth_time = ?, amr = ?
		WHERE id = ? AND state = ? AND expires_at > ?`,
		state, userID, d.nullTS(authTime), amrList, id, storage.DevicePending, d.ts(now))
	if err != nil {
		return fmt.Errorf("decide device authorization %s: %w", id, mapErr(err))
	}
	if n == 1 {
		return nil
	}
	var row deviceAuthRow
	if err := s.h.get(ctx, &row, `SELECT `+deviceAuthColumns+` FROM device_authorizations WHERE id = ?`, id); err != nil {
		return fmt.Errorf("decide device authorization %s: %w", id, mapErr(err))
	}
	return fmt.Errorf("decide device authorization %s: %w: already decided or expired", id, storage.ErrConflict)
}

func (s deviceAuths) Poll(ctx context.Context, clientID string, hash []byte, now time.Time, interval time.Duration) (storage.DeviceAuthorization, bool, error) {
	d := s.h.d
	var row deviceAuthRow
	// An approved authorization is handed out once.
	err := s.h.getWrite(ctx, &row, `UPDATE device_authorizations SET state = ?, last_poll_at = ?
		WHERE device_code_hash = ? AND client_id = ? AND state = ?
		RETURNING `+deviceAuthColumns, storage.DeviceConsumed, d.ts(now), hash, clientID, storage.DeviceApproved)
	if err == nil {
		a, err := row.auth()
		a.State = storage.DeviceApproved
		return a, false, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return storage.DeviceAuthorization{}, false, fmt.Errorf("poll device authorization: %w", mapErr(err))
	}
	err = s.h.getWrite(ctx, &row, `UPDATE device_authorizations SET last_poll_at = ?
		WHERE device_code_hash = ? AND client_id = ? AND (last_poll_at IS NULL OR last_poll_at <= ?)
		RETURNING `+deviceAuthColumns, d.ts(now), hash, clientID, d.ts(now.Add(-interval)))
	if err == nil {
		a, err := row.auth()
		return a, false, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return storage.DeviceAuthorization{}, false, fmt.Errorf("poll device authorization: %w", mapErr(err))
	}
	if err := s.h.get(ctx, &row, `SELECT `+deviceAuthColumns+` FROM device_authorizations
		WHERE device_code_hash = ? AND client_id = ?`, hash, clientID); err != nil {
		return storage.DeviceAuthorization{}, false, fmt.Errorf("poll device authorization: %w", mapErr(err))
	}
	a, err := row.auth()
	return a, true, err
}

func (s deviceAuths) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM device_authorizations WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired device authorizations: %w", mapErr(err))
	}
	return n, nil
}
