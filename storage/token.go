package storage

import (
	"context"
	"time"
)

// AccessToken is an issued access token. JWT access tokens carry ID as jti;
// opaque ones are encrypted references to ID. Either way revocation and
// introspection look the row up.
type AccessToken struct {
	ID             string
	ClientID       string
	Subject        string // user id, or client id for client credentials
	Audience       []string
	Scopes         []string
	RefreshTokenID string // the refresh token it was minted with, if any
	AuthRequestID  string // the code flow it came from, if any
	SessionID      string
	AuthTime       time.Time
	AMR            []string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	RevokedAt      time.Time // zero while not revoked
}

// RefreshToken is one link of a rotation family. The client holds a random
// secret; the store keeps its SHA-256. Using a token rotates it (UsedAt);
// using it again revokes the whole family.
type RefreshToken struct {
	ID            string
	TokenHash     []byte
	FamilyID      string
	ClientID      string
	UserID        string
	Audience      []string
	Scopes        []string
	AuthRequestID string
	SessionID     string
	AuthTime      time.Time // the original authentication, kept across rotations
	AMR           []string
	CreatedAt     time.Time
	ExpiresAt     time.Time // this token's lifetime
	// FamilyExpiresAt is the absolute end of the family: rotation never
	// extends it.
	FamilyExpiresAt time.Time
	UsedAt          time.Time // zero until rotated
	RevokedAt       time.Time // zero while not revoked
}

// TokenStore keeps access and refresh tokens. Tokens belong to their client
// and user: deleting either deletes them. Revoking keeps the first RevokedAt.
type TokenStore interface {
	// CreateAccess stores t, filling an empty ID and a zero CreatedAt
	// (now). ClientID, Subject and ExpiresAt are required (ErrInvalid). A
	// token whose Subject differs from its ClientID is a user's token:
	// Subject must be an existing user (ErrNotFound otherwise). ErrNotFound
	// also for an unknown client; ErrAlreadyExists for a taken id.
	CreateAccess(ctx context.Context, t *AccessToken) error
	// AccessByID returns the token, revoked or not (callers check
	// RevokedAt and ExpiresAt); ErrNotFound when unknown.
	AccessByID(ctx context.Context, id string) (AccessToken, error)
	// AccessWithUser is AccessByID that also returns, in the same read,
	// the user of a user's token (the zero User for a client's token).
	AccessWithUser(ctx context.Context, id string) (AccessToken, User, error)
	// RevokeAccess revokes one access token; ErrNotFound when unknown.
	RevokeAccess(ctx context.Context, id string, now time.Time) error

	// CreateRefresh stores t, filling an empty ID, an empty FamilyID (a
	// new family: the token's ID) and a zero CreatedAt (now). TokenHash,
	// ClientID, UserID, ExpiresAt and FamilyExpiresAt are required
	// (ErrInvalid). ErrNotFound for an unknown client or user;
	// ErrAlreadyExists for a taken id or token hash.
	CreateRefresh(ctx context.Context, t *RefreshToken) error
	// RefreshByHash returns the token, used or revoked or not;
	// ErrNotFound when unknown.
	RefreshByHash(ctx context.Context, hash []byte) (RefreshToken, error)
	RefreshByID(ctx context.Context, id string) (RefreshToken, error)
	// MarkRefreshUsed sets UsedAt if the token is unused and unrevoked
	// (compare-and-set). ErrConflict when it was already used or revoked:
	// the caller revokes the family. ErrNotFound when unknown.
	MarkRefreshUsed(ctx context.Context, id string, now time.Time) error

	// RevokeFamily revokes every refresh token of the family and every
	// access token minted from them.
	RevokeFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeByAuthRequest revokes everything issued from one code: the
	// refresh tokens with that AuthRequestID, the access tokens with it,
	// and the access tokens minted from those refresh tokens.
	RevokeByAuthRequest(ctx context.Context, authRequestID string, now time.Time) error
	// RevokeByUser revokes every token of the user (reset, block).
	RevokeByUser(ctx context.Context, userID string, now time.Time) error
	// RevokeBySession revokes the tokens issued in one browser session
	// (SessionID), with the access tokens minted from its refresh tokens.
	//
	// The Revoke methods revoke in one transaction and are not an error
	// when nothing matches; an empty id is ErrInvalid.
	RevokeBySession(ctx context.Context, sessionID string, now time.Time) error
	// RevokeByUserClient revokes the user's tokens issued to one client:
	// refresh tokens, access tokens minted from them, and access tokens of
	// the user for that client ("remove access" of an application).
	RevokeByUserClient(ctx context.Context, userID, clientID string, now time.Time) error
	// ListRefreshByUser returns the user's refresh tokens that are neither
	// used (rotated), revoked nor expired at now, newest first.
	ListRefreshByUser(ctx context.Context, userID string, now time.Time) ([]RefreshToken, error)
	// DeleteExpired removes tokens expired at now (refresh tokens only once
	// their family has expired, so reuse of a rotated token is recognized
	// until then) and returns how many it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
