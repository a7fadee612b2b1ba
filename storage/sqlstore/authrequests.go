package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// authRequests implements storage.AuthRequestStore. The code lives on the
// request row: code_hash (unique), code_expires_at and code_used_at, which
// ClaimCode sets with one conditional UPDATE ... RETURNING.
type authRequests struct{ h handle }

const authRequestColumns = `id, client_id, redirect_uri, scopes, response_type, response_mode,
	state, nonce, code_challenge, code_challenge_method, prompt, max_age, login_hint, ui_locales,
	browser_hash, COALESCE(user_id, '') AS user_id, COALESCE(session_id, '') AS session_id,
	auth_time, amr, done, created_at, expires_at, acr_values`

type authRequestRow struct {
	ID                  string        `db:"id"`
	ClientID            string        `db:"client_id"`
	RedirectURI         string        `db:"redirect_uri"`
	Scopes              string        `db:"scopes"`
	ResponseType        string        `db:"response_type"`
	ResponseMode        string        `db:"response_mode"`
	State               string        `db:"state"`
	Nonce               string        `db:"nonce"`
	CodeChallenge       string        `db:"code_challenge"`
	CodeChallengeMethod string        `db:"code_challenge_method"`
	Prompt              string        `db:"prompt"`
	MaxAge              sql.NullInt64 `db:"max_age"`
	LoginHint           string        `db:"login_hint"`
	UILocales           string        `db:"ui_locales"`
	BrowserHash         []byte        `db:"browser_hash"`
	UserID              string        `db:"user_id"`
	SessionID           string        `db:"session_id"`
	AuthTime            dbTime        `db:"auth_time"`
	AMR                 string        `db:"amr"`
	Done                bool          `db:"done"`
	CreatedAt           dbTime        `db:"created_at"`
	ExpiresAt           dbTime        `db:"expires_at"`
	ACRValues           string        `db:"acr_values"`
}

func (r authRequestRow) request() (storage.AuthRequest, error) {
	var d listDecoder
	ar := storage.AuthRequest{
		ID: r.ID, ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scopes: d.list(r.Scopes),
		ResponseType: r.ResponseType, ResponseMode: r.ResponseMode, State: r.State, Nonce: r.Nonce,
		CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod,
		Prompt: d.list(r.Prompt), LoginHint: r.LoginHint, UILocales: d.list(r.UILocales),
		BrowserHash: bytesOrNil(r.BrowserHash), UserID: r.UserID, SessionID: r.SessionID,
		AuthTime: r.AuthTime.time(), AMR: d.list(r.AMR), Done: r.Done,
		CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), ACRValues: d.list(r.ACRValues),
	}
	if r.MaxAge.Valid {
		ar.MaxAge = &r.MaxAge.Int64
	}
	if d.err != nil {
		return storage.AuthRequest{}, fmt.Errorf("auth request %s: %w", r.ID, d.err)
	}
	return ar, nil
}

func prepareAuthRequest(r *storage.AuthRequest) ([]string, error) {
	if r.ClientID == "" || r.RedirectURI == "" || r.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("%w: client id, redirect uri and expiry are required", storage.ErrInvalid)
	}
	if r.ID == "" {
		r.ID = storage.NewID()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	r.CreatedAt, r.ExpiresAt, r.AuthTime = storage.Time(r.CreatedAt), storage.Time(r.ExpiresAt), storage.Time(r.AuthTime)
	return encodeLists(r.Scopes, r.Prompt, r.UILocales, r.AMR, r.ACRValues)
}

func (s authRequests) Create(ctx context.Context, r *storage.AuthRequest) error {
	lists, err := prepareAuthRequest(r)
	if err != nil {
		return fmt.Errorf("create auth request: %w", err)
	}
	var maxAge any
	if r.MaxAge != nil {
		maxAge = *r.MaxAge
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO auth_requests (id, client_id, redirect_uri, scopes,
		response_type, response_mode, state, nonce, code_challenge, code_challenge_method, prompt,
		max_age, login_hint, ui_locales, browser_hash, user_id, session_id, auth_time, amr, done,
		created_at, expires_at, acr_values)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ClientID, r.RedirectURI, lists[0], r.ResponseType, r.ResponseMode, r.State, r.Nonce,
		r.CodeChallenge, r.CodeChallengeMethod, lists[1], maxAge, r.LoginHint, lists[2],
		nullBytes(r.BrowserHash), nullString(r.UserID), nullString(r.SessionID), d.nullTS(r.AuthTime),
		lists[3], r.Done, d.ts(r.CreatedAt), d.ts(r.ExpiresAt), lists[4])
	if err != nil {
		return fmt.Errorf("create auth request: %w", mapErr(err))
	}
	return nil
}

func (s authRequests) ByID(ctx context.Context, id string, now time.Time) (storage.AuthRequest, error) {
	var row authRequestRow
	err := s.h.get(ctx, &row, `SELECT `+authRequestColumns+` FROM auth_requests
		WHERE id = ? AND expires_at > ?`, id, s.h.d.ts(now))
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("auth request %s: %w", id, mapErr(err))
	}
	return row.request()
}

func (s authRequests) Complete(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string) error {
	if userID == "" || authTime.IsZero() {
		return fmt.Errorf("complete auth request %s: %w: user id and auth time are required", id, storage.ErrInvalid)
	}
	amrJSON, err := encodeList(amr)
	if err != nil {
		return fmt.Errorf("complete auth request %s: %w", id, err)
	}
	n, err := s.h.exec(ctx, `UPDATE auth_requests SET user_id = ?, session_id = ?, auth_time = ?,
		amr = ?, done = ? WHERE id = ?`,
		userID, nullString(sessionID), s.h.d.ts(authTime), amrJSON, true, id)
	if err != nil {
		return fmt.Errorf("complete auth request %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("complete auth request %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func (s authRequests) SaveCode(ctx context.Context, id string, codeHash []byte, expiresAt time.Time) error {
	if len(codeHash) == 0 || expiresAt.IsZero() {
		return fmt.Errorf("save code of auth request %s: %w: hash and expiry are required", id, storage.ErrInvalid)
	}
	n, err := s.h.exec(ctx, `UPDATE auth_requests SET code_hash = ?, code_expires_at = ?
		WHERE id = ? AND code_used_at IS NULL`, codeHash, s.h.d.ts(expiresAt), id)
	if err != nil {
		return fmt.Errorf("save code of auth request %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("save code of auth request %s: %w", id, s.spentOrGone(ctx, id, "its code was already claimed"))
	}
	return nil
}

func (s authRequests) CompleteWithCode(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string, codeHash []byte, codeExpiresAt time.Time) error {
	switch {
	case userID == "" || authTime.IsZero():
		return fmt.Errorf("complete auth request %s: %w: user id and auth time are required", id, storage.ErrInvalid)
	case len(codeHash) == 0 || codeExpiresAt.IsZero():
		return fmt.Errorf("complete auth request %s: %w: the code's hash and expiry are required", id, storage.ErrInvalid)
	}
	amrJSON, err := encodeList(amr)
	if err != nil {
		return fmt.Errorf("complete auth request %s: %w", id, err)
	}
	n, err := s.h.exec(ctx, `UPDATE auth_requests SET user_id = ?, session_id = ?, auth_time = ?,
		amr = ?, done = ?, code_hash = ?, code_expires_at = ? WHERE id = ? AND done = ? AND code_used_at IS NULL`,
		userID, nullString(sessionID), s.h.d.ts(authTime), amrJSON, true, codeHash, s.h.d.ts(codeExpiresAt), id, false)
	if err != nil {
		return fmt.Errorf("complete auth request %s with its code: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("complete auth request %s with its code: %w", id, s.spentOrGone(ctx, id, "it was already completed"))
	}
	return nil
}

// spentOrGone tells why SaveCode or CompleteWithCode matched no row: the
// request is gone, or (why) it refuses the change.
func (s authRequests) spentOrGone(ctx context.Context, id, why string) error {
	var one int
	err := s.h.get(ctx, &one, `SELECT 1 FROM auth_requests WHERE id = ?`, id)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s", storage.ErrConflict, why)
	case errors.Is(err, sql.ErrNoRows):
		return storage.ErrNotFound
	}
	return err
}

func (s authRequests) ClaimCode(ctx context.Context, codeHash []byte, now time.Time) (storage.AuthRequest, error) {
	if len(codeHash) == 0 {
		return storage.AuthRequest{}, fmt.Errorf("claim code: %w", storage.ErrNotFound)
	}
	t := s.h.d.ts(now)
	var row authRequestRow
	err := s.h.getWrite(ctx, &row, `UPDATE auth_requests SET code_used_at = ?
		WHERE code_hash = ? AND code_used_at IS NULL AND code_expires_at > ?
		RETURNING `+authRequestColumns, t, codeHash, t)
	if err == nil {
		return row.request()
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return storage.AuthRequest{}, fmt.Errorf("claim code: %w", mapErr(err))
	}
	// Nothing claimed: tell a spent code (reuse) from an unknown or
	// expired one. code_used_at never goes back to NULL, so this read
	// cannot race the UPDATE into a wrong answer.
	var spent struct {
		authRequestRow
		UsedAt dbTime `db:"code_used_at"`
	}
	err = s.h.get(ctx, &spent, `SELECT `+authRequestColumns+`, code_used_at FROM auth_requests
		WHERE code_hash = ?`, codeHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storage.AuthRequest{}, fmt.Errorf("claim code: %w", storage.ErrNotFound)
	case err != nil:
		return storage.AuthRequest{}, fmt.Errorf("claim code: %w", mapErr(err))
	case spent.UsedAt.time().IsZero():
		return storage.AuthRequest{}, fmt.Errorf("claim code: %w: the code has expired", storage.ErrNotFound)
	}
	r, err := spent.request()
	if err != nil {
		return storage.AuthRequest{}, err
	}
	return r, fmt.Errorf("claim code of auth request %s: %w: the code was already used", r.ID, storage.ErrConflict)
}

func (s authRequests) ByCode(ctx context.Context, codeHash []byte, now time.Time) (storage.AuthRequest, error) {
	if len(codeHash) == 0 {
		return storage.AuthRequest{}, fmt.Errorf("code request: %w", storage.ErrNotFound)
	}
	var row struct {
		authRequestRow
		UsedAt    dbTime `db:"code_used_at"`
		ExpiresAt dbTime `db:"code_expires_at"`
	}
	err := s.h.get(ctx, &row, `SELECT `+authRequestColumns+`, code_used_at, code_expires_at FROM auth_requests
		WHERE code_hash = ?`, codeHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storage.AuthRequest{}, fmt.Errorf("code request: %w", storage.ErrNotFound)
	case err != nil:
		return storage.AuthRequest{}, fmt.Errorf("code request: %w", mapErr(err))
	}
	r, err := row.request()
	if err != nil {
		return storage.AuthRequest{}, err
	}
	if !row.UsedAt.time().IsZero() {
		return r, fmt.Errorf("code of auth request %s: %w: the code was already used", r.ID, storage.ErrConflict)
	}
	if !now.Before(row.ExpiresAt.time()) {
		return storage.AuthRequest{}, fmt.Errorf("code request: %w: the code has expired", storage.ErrNotFound)
	}
	return r, nil
}

func (s authRequests) Delete(ctx context.Context, id string) error {
	if _, err := s.h.exec(ctx, `DELETE FROM auth_requests WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete auth request %s: %w", id, mapErr(err))
	}
	return nil
}

func (s authRequests) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	t := s.h.d.ts(now)
	n, err := s.h.exec(ctx, `DELETE FROM auth_requests
		WHERE expires_at <= ? AND (code_expires_at IS NULL OR code_expires_at <= ?)`, t, t)
	if err != nil {
		return 0, fmt.Errorf("delete expired auth requests: %w", mapErr(err))
	}
	return n, nil
}
