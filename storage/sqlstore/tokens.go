package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// tokens implements storage.TokenStore over access_tokens and
// refresh_tokens. Optional references (user, refresh token, auth request,
// session) are NULL when absent. An access token's user_id is its Subject
// unless the Subject is the client (client credentials).
type tokens struct{ h handle }

const accessColumns = `id, client_id, subject, audience, scopes,
	COALESCE(refresh_token_id, '') AS refresh_token_id, COALESCE(auth_request_id, '') AS auth_request_id,
	COALESCE(session_id, '') AS session_id, auth_time, amr, created_at, expires_at, revoked_at`

type accessRow struct {
	ID             string `db:"id"`
	ClientID       string `db:"client_id"`
	Subject        string `db:"subject"`
	Audience       string `db:"audience"`
	Scopes         string `db:"scopes"`
	RefreshTokenID string `db:"refresh_token_id"`
	AuthRequestID  string `db:"auth_request_id"`
	SessionID      string `db:"session_id"`
	AuthTime       dbTime `db:"auth_time"`
	AMR            string `db:"amr"`
	CreatedAt      dbTime `db:"created_at"`
	ExpiresAt      dbTime `db:"expires_at"`
	RevokedAt      dbTime `db:"revoked_at"`
}

func (r accessRow) token() (storage.AccessToken, error) {
	var d listDecoder
	t := storage.AccessToken{
		ID: r.ID, ClientID: r.ClientID, Subject: r.Subject, Audience: d.list(r.Audience),
		Scopes: d.list(r.Scopes), RefreshTokenID: r.RefreshTokenID, AuthRequestID: r.AuthRequestID,
		SessionID: r.SessionID, AuthTime: r.AuthTime.time(), AMR: d.list(r.AMR),
		CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), RevokedAt: r.RevokedAt.time(),
	}
	if d.err != nil {
		return storage.AccessToken{}, fmt.Errorf("access token %s: %w", r.ID, d.err)
	}
	return t, nil
}

const refreshColumns = `id, token_hash, family_id, client_id, user_id, audience, scopes,
	COALESCE(auth_request_id, '') AS auth_request_id, COALESCE(session_id, '') AS session_id,
	auth_time, amr, created_at, expires_at, family_expires_at, used_at, revoked_at`

type refreshRow struct {
	ID              string `db:"id"`
	TokenHash       []byte `db:"token_hash"`
	FamilyID        string `db:"family_id"`
	ClientID        string `db:"client_id"`
	UserID          string `db:"user_id"`
	Audience        string `db:"audience"`
	Scopes          string `db:"scopes"`
	AuthRequestID   string `db:"auth_request_id"`
	SessionID       string `db:"session_id"`
	AuthTime        dbTime `db:"auth_time"`
	AMR             string `db:"amr"`
	CreatedAt       dbTime `db:"created_at"`
	ExpiresAt       dbTime `db:"expires_at"`
	FamilyExpiresAt dbTime `db:"family_expires_at"`
	UsedAt          dbTime `db:"used_at"`
	RevokedAt       dbTime `db:"revoked_at"`
}

func (r refreshRow) token() (storage.RefreshToken, error) {
	var d listDecoder
	t := storage.RefreshToken{
		ID: r.ID, TokenHash: r.TokenHash, FamilyID: r.FamilyID, ClientID: r.ClientID, UserID: r.UserID,
		Audience: d.list(r.Audience), Scopes: d.list(r.Scopes), AuthRequestID: r.AuthRequestID,
		SessionID: r.SessionID, AuthTime: r.AuthTime.time(), AMR: d.list(r.AMR),
		CreatedAt: r.CreatedAt.time(), ExpiresAt: r.ExpiresAt.time(), FamilyExpiresAt: r.FamilyExpiresAt.time(),
		UsedAt: r.UsedAt.time(), RevokedAt: r.RevokedAt.time(),
	}
	if d.err != nil {
		return storage.RefreshToken{}, fmt.Errorf("refresh token %s: %w", r.ID, d.err)
	}
	return t, nil
}

func prepareAccess(t *storage.AccessToken) ([]string, error) {
	if t.ClientID == "" || t.Subject == "" || t.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("%w: client id, subject and expiry are required", storage.ErrInvalid)
	}
	if t.ID == "" {
		t.ID = storage.NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.ExpiresAt = storage.Time(t.CreatedAt), storage.Time(t.ExpiresAt)
	t.AuthTime, t.RevokedAt = storage.Time(t.AuthTime), storage.Time(t.RevokedAt)
	return encodeLists(t.Audience, t.Scopes, t.AMR)
}

func (s tokens) CreateAccess(ctx context.Context, t *storage.AccessToken) error {
	lists, err := prepareAccess(t)
	if err != nil {
		return fmt.Errorf("create access token: %w", err)
	}
	userID := ""
	if t.Subject != t.ClientID {
		userID = t.Subject
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO access_tokens (id, client_id, subject, user_id, audience,
		scopes, refresh_token_id, auth_request_id, session_id, auth_time, amr, created_at,
		expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.ClientID, t.Subject, nullString(userID), lists[0], lists[1],
		nullString(t.RefreshTokenID), nullString(t.AuthRequestID), nullString(t.SessionID),
		d.nullTS(t.AuthTime), lists[2], d.ts(t.CreatedAt), d.ts(t.ExpiresAt), d.nullTS(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create access token: %w", mapErr(err))
	}
	return nil
}

func (s tokens) AccessByID(ctx context.Context, id string) (storage.AccessToken, error) {
	var row accessRow
	if err := s.h.get(ctx, &row, `SELECT `+accessColumns+` FROM access_tokens WHERE id = ?`, id); err != nil {
		return storage.AccessToken{}, fmt.Errorf("access token %s: %w", id, mapErr(err))
	}
	return row.token()
}

// accessWithUserQuery reads an access token and, for a user's token, its
// user, in one statement: the user's columns are empty for a client's
// token (user_id NULL).
var accessWithUserQuery = func() string {
	var b strings.Builder
	b.WriteString(`SELECT a.id, a.client_id, a.subject, a.audience, a.scopes,
	COALESCE(a.refresh_token_id, '') AS refresh_token_id, COALESCE(a.auth_request_id, '') AS auth_request_id,
	COALESCE(a.session_id, '') AS session_id, a.auth_time, a.amr, a.created_at, a.expires_at, a.revoked_at`)
	for _, c := range strings.Split(userColumns, ",") {
		c = strings.TrimSpace(c)
		switch c {
		case "email_verified", "password_change_required":
			b.WriteString(`, COALESCE(u.` + c + `, FALSE)`)
		case "terms_accepted_at", "created_at", "updated_at":
			b.WriteString(`, u.` + c)
		default:
			b.WriteString(`, COALESCE(u.` + c + `, '')`)
		}
		b.WriteString(` AS "u.` + c + `"`)
	}
	b.WriteString(` FROM access_tokens a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ?`)
	return b.String()
}()

func (s tokens) AccessWithUser(ctx context.Context, id string) (storage.AccessToken, storage.User, error) {
	var row struct {
		accessRow
		User userRow `db:"u"`
	}
	if err := s.h.get(ctx, &row, accessWithUserQuery, id); err != nil {
		return storage.AccessToken{}, storage.User{}, fmt.Errorf("access token %s: %w", id, mapErr(err))
	}
	t, err := row.token()
	if err != nil || row.User.ID == "" {
		return t, storage.User{}, err
	}
	return t, row.User.user(), nil
}

func (s tokens) RevokeAccess(ctx context.Context, id string, now time.Time) error {
	n, err := s.h.exec(ctx, `UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`,
		s.h.d.ts(now), id)
	if err != nil {
		return fmt.Errorf("revoke access token %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("revoke access token %s: %w", id, storage.ErrNotFound)
	}
	return nil
}

func prepareRefresh(t *storage.RefreshToken) ([]string, error) {
	if len(t.TokenHash) == 0 || t.ClientID == "" || t.UserID == "" ||
		t.ExpiresAt.IsZero() || t.FamilyExpiresAt.IsZero() {
		return nil, fmt.Errorf("%w: token hash, client id, user id and both expiries are required", storage.ErrInvalid)
	}
	if t.ID == "" {
		t.ID = storage.NewID()
	}
	if t.FamilyID == "" {
		t.FamilyID = t.ID
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt, t.ExpiresAt = storage.Time(t.CreatedAt), storage.Time(t.ExpiresAt)
	t.FamilyExpiresAt, t.AuthTime = storage.Time(t.FamilyExpiresAt), storage.Time(t.AuthTime)
	t.UsedAt, t.RevokedAt = storage.Time(t.UsedAt), storage.Time(t.RevokedAt)
	return encodeLists(t.Audience, t.Scopes, t.AMR)
}

func (s tokens) CreateRefresh(ctx context.Context, t *storage.RefreshToken) error {
	lists, err := prepareRefresh(t)
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO refresh_tokens (id, token_hash, family_id, client_id,
		user_id, audience, scopes, auth_request_id, session_id, auth_time, amr, created_at,
		expires_at, family_expires_at, used_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.TokenHash, t.FamilyID, t.ClientID, t.UserID, lists[0], lists[1],
		nullString(t.AuthRequestID), nullString(t.SessionID), d.nullTS(t.AuthTime), lists[2],
		d.ts(t.CreatedAt), d.ts(t.ExpiresAt), d.ts(t.FamilyExpiresAt), d.nullTS(t.UsedAt), d.nullTS(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create refresh token: %w", mapErr(err))
	}
	return nil
}

func (s tokens) RefreshByHash(ctx context.Context, hash []byte) (storage.RefreshToken, error) {
	if len(hash) == 0 {
		return storage.RefreshToken{}, fmt.Errorf("refresh token by hash: %w", storage.ErrNotFound)
	}
	var row refreshRow
	if err := s.h.get(ctx, &row, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE token_hash = ?`, hash); err != nil {
		return storage.RefreshToken{}, fmt.Errorf("refresh token by hash: %w", mapErr(err))
	}
	return row.token()
}

func (s tokens) RefreshByID(ctx context.Context, id string) (storage.RefreshToken, error) {
	var row refreshRow
	if err := s.h.get(ctx, &row, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE id = ?`, id); err != nil {
		return storage.RefreshToken{}, fmt.Errorf("refresh token %s: %w", id, mapErr(err))
	}
	return row.token()
}
