package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// federationFlows implements storage.FederationFlowStore over
// federation_flows. Take is one DELETE ... RETURNING: of parallel calls
// exactly one deletes the row.
type federationFlows struct{ h handle }

const federationFlowColumns = `id, provider, purpose, browser_hash, nonce, pkce_verifier, session_id, user_id,
	auth_request_id, identity, created_at, expires_at`

type federationFlowRow struct {
	ID            string `db:"id"`
	Provider      string `db:"provider"`
	Purpose       string `db:"purpose"`
	BrowserHash   []byte `db:"browser_hash"`
	Nonce         string `db:"nonce"`
	PKCEVerifier  string `db:"pkce_verifier"`
	SessionID     string `db:"session_id"`
	UserID        string `db:"user_id"`
	AuthRequestID string `db:"auth_request_id"`
	Identity      string `db:"identity"`
	CreatedAt     dbTime `db:"created_at"`
	ExpiresAt     dbTime `db:"expires_at"`
}

func (r federationFlowRow) flow() storage.FederationFlow {
	return storage.FederationFlow{
		ID: r.ID, Provider: r.Provider, Purpose: r.Purpose, BrowserHash: bytesOrNil(r.BrowserHash),
		Nonce: r.Nonce, PKCEVerifier: r.PKCEVerifier, SessionID: r.SessionID, UserID: r.UserID,
		AuthRequestID: r.AuthRequestID, Identity: r.Identity, CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(),
	}
}

func (s federationFlows) Create(ctx context.Context, f *storage.FederationFlow) error {
	if f.ID == "" || f.Purpose == "" || len(f.BrowserHash) == 0 || f.ExpiresAt.IsZero() {
		return fmt.Errorf("create federation flow: %w: id, purpose, browser hash and expiry are required", storage.ErrInvalid)
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now()
	}
	f.CreatedAt, f.ExpiresAt = storage.Time(f.CreatedAt), storage.Time(f.ExpiresAt)
	_, err := s.h.exec(ctx, `INSERT INTO federation_flows (`+federationFlowColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.Provider, f.Purpose, f.BrowserHash, f.Nonce, f.PKCEVerifier, f.SessionID, f.UserID,
		f.AuthRequestID, f.Identity, s.h.d.ts(f.CreatedAt), s.h.d.ts(f.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create federation flow: %w", mapErr(err))
	}
	return nil
}

func (s federationFlows) Take(ctx context.Context, id string, now time.Time) (storage.FederationFlow, error) {
	row, err := takeRow[federationFlowRow](ctx, s.h, "take federation flow", "federation_flows", federationFlowColumns, id)
	if err != nil {
		return storage.FederationFlow{}, err
	}
	f := row.flow()
	if !f.ExpiresAt.After(storage.Time(now)) {
		return storage.FederationFlow{}, fmt.Errorf("take federation flow: %w: it has expired", storage.ErrNotFound)
	}
	return f, nil
}

func (s federationFlows) Get(ctx context.Context, id string, now time.Time) (storage.FederationFlow, error) {
	var row federationFlowRow
	err := s.h.get(ctx, &row, `SELECT `+federationFlowColumns+` FROM federation_flows WHERE id = ? AND expires_at > ?`,
		id, s.h.d.ts(now))
	if err != nil {
		return storage.FederationFlow{}, fmt.Errorf("get federation flow: %w", mapErr(err))
	}
	return row.flow(), nil
}

func (s federationFlows) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM federation_flows WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired federation flows: %w", mapErr(err))
	}
	return n, nil
}
