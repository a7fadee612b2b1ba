package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// clients implements storage.ClientStore. Lists are JSON arrays. Deleting a
// client deletes its auth requests, tokens and consents (ON DELETE CASCADE).
type clients struct{ h handle }

const clientColumns = `id, secret_hash, public, name, redirect_uris, post_logout_redirect_uris,
	grant_types, scopes, first_party, access_token_format, dev, admin, created_at, updated_at, require_mfa, allowed_groups,
	backchannel_logout_uri, backchannel_logout_session_required, jwks, jwks_uri, token_endpoint_auth_method, id_token_signed_response_alg,
	require_pushed_authorization_requests, token_exchange_delegation, registration_access_token_hash, home_url`

type clientRow struct {
	ID                     string `db:"id"`
	SecretHash             string `db:"secret_hash"`
	Public                 bool   `db:"public"`
	Name                   string `db:"name"`
	RedirectURIs           string `db:"redirect_uris"`
	PostLogoutRedirectURIs string `db:"post_logout_redirect_uris"`
	GrantTypes             string `db:"grant_types"`
	Scopes                 string `db:"scopes"`
	FirstParty             bool   `db:"first_party"`
	AccessTokenFormat      string `db:"access_token_format"`
	Dev                    bool   `db:"dev"`
	Admin                  bool   `db:"admin"`
	CreatedAt              dbTime `db:"created_at"`
	UpdatedAt              dbTime `db:"updated_at"`
	RequireMFA             bool   `db:"require_mfa"`
	AllowedGroups          string `db:"allowed_groups"`
	BackchannelLogoutURI   string `db:"backchannel_logout_uri"`
	BackchannelSessionReq  bool   `db:"backchannel_logout_session_required"`
	JWKS                   string `db:"jwks"`
	JWKSURI                string `db:"jwks_uri"`
	TokenAuthMethod        string `db:"token_endpoint_auth_method"`
	IDTokenAlg             string `db:"id_token_signed_response_alg"`
	// Issue 18 items 4, 6 and 8.
	RequirePAR            bool   `db:"require_pushed_authorization_requests"`
	TokenExchangeDelegate bool   `db:"token_exchange_delegation"`
	RegistrationTokenHash []byte `db:"registration_access_token_hash"`
	HomeURL               string `db:"home_url"`
}

func (r clientRow) client() (storage.Client, error) {
	var d listDecoder
	c := storage.Client{
		ID: r.ID, SecretHash: r.SecretHash, Public: r.Public, Name: r.Name,
		RedirectURIs: d.list(r.RedirectURIs), PostLogoutRedirectURIs: d.list(r.PostLogoutRedirectURIs),
		GrantTypes: d.list(r.GrantTypes), Scopes: d.list(r.Scopes), FirstParty: r.FirstParty,
		AccessTokenFormat: r.AccessTokenFormat, Dev: r.Dev, Admin: r.Admin, RequireMFA: r.RequireMFA,
		CreatedAt: r.CreatedAt.time(), UpdatedAt: r.UpdatedAt.time(),
		AllowedGroups:        d.list(r.AllowedGroups),
		BackchannelLogoutURI: r.BackchannelLogoutURI, BackchannelLogoutSessionRequired: r.BackchannelSessionReq,
		JWKS: r.JWKS, JWKSURI: r.JWKSURI, TokenEndpointAuthMethod: r.TokenAuthMethod,
		IDTokenSignedResponseAlg: r.IDTokenAlg, HomeURL: r.HomeURL,

		RequirePushedAuthorizationRequests: r.RequirePAR, TokenExchangeDelegation: r.TokenExchangeDelegate,
		RegistrationAccessTokenHash: bytesOrNil(r.RegistrationTokenHash),
	}
	if d.err != nil {
		return storage.Client{}, fmt.Errorf("client %s: %w", r.ID, d.err)
	}
	return c, nil
}

// clientLists encodes the list fields of c in column order.
func clientLists(c *storage.Client) ([]string, error) {
	if c.AccessTokenFormat == "" {
		c.AccessTokenFormat = storage.AccessTokenJWT
	}
	if c.AccessTokenFormat != storage.AccessTokenJWT && c.AccessTokenFormat != storage.AccessTokenOpaque {
		return nil, fmt.Errorf("%w: unknown access token format %q", storage.ErrInvalid, c.AccessTokenFormat)
	}
	return encodeLists(c.RedirectURIs, c.PostLogoutRedirectURIs, c.GrantTypes, c.Scopes, c.AllowedGroups)
}

func (s clients) Create(ctx context.Context, c *storage.Client) error {
	lists, err := clientLists(c)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	if c.ID == "" {
		c.ID = storage.NewID()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	c.CreatedAt = storage.Time(c.CreatedAt)
	c.UpdatedAt = c.CreatedAt
	d := s.h.d
	_, err = s.h.exec(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.SecretHash, c.Public, c.Name, lists[0], lists[1], lists[2], lists[3],
		c.FirstParty, c.AccessTokenFormat, c.Dev, c.Admin, d.ts(c.CreatedAt), d.ts(c.UpdatedAt), c.RequireMFA, lists[4],
		c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired, c.JWKS, c.JWKSURI, c.TokenEndpointAuthMethod,
		c.IDTokenSignedResponseAlg,
		c.RequirePushedAuthorizationRequests, c.TokenExchangeDelegation, bytesOrNil(c.RegistrationAccessTokenHash), c.HomeURL)
	if err != nil {
		return fmt.Errorf("create client %s: %w", c.ID, mapErr(err))
	}
	return nil
}

func (s clients) ByID(ctx context.Context, id string) (storage.Client, error) {
	var row clientRow
	if err := s.h.get(ctx, &row, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id); err != nil {
		return storage.Client{}, fmt.Errorf("client %s: %w", id, mapErr(err))
	}
	return row.client()
}

func (s clients) List(ctx context.Context, cursor string, limit int) (storage.Page[storage.Client], error) {
	var w where
	if cursor != "" {
		after, err := decodeIDCursor(cursor)
		if err != nil {
			return storage.Page[storage.Client]{}, fmt.Errorf("list clients: %w", err)
		}
		w.add("id > ?", after)
	}
	limit = pageLimit(limit)
	var rows []clientRow
	query := `SELECT ` + clientColumns + ` FROM clients` + w.String() + ` ORDER BY id LIMIT ?`
	if err := s.h.selectRows(ctx, &rows, query, append(w.args, limit+1)...); err != nil {
		return storage.Page[storage.Client]{}, fmt.Errorf("list clients: %w", mapErr(err))
	}
	list := make([]storage.Client, len(rows))
	for i, r := range rows {
		var err error
		if list[i], err = r.client(); err != nil {
			return storage.Page[storage.Client]{}, err
		}
	}
	return makeIDPage(list, limit, func(c storage.Client) string { return c.ID }), nil
}

func (s clients) Update(ctx context.Context, c *storage.Client) error {
	lists, err := clientLists(c)
	if err != nil {
		return fmt.Errorf("update client %s: %w", c.ID, err)
	}
	now := storage.Time(time.Now())
	if prev := storage.Time(c.UpdatedAt); !now.After(prev) { // same millisecond, or a clock behind
		now = prev.Add(time.Millisecond)
	}
	n, err := s.h.exec(ctx, `UPDATE clients SET secret_hash = ?, public = ?, name = ?,
		redirect_uris = ?, post_logout_redirect_uris = ?, grant_types = ?, scopes = ?,
		first_party = ?, access_token_format = ?, dev = ?, admin = ?, updated_at = ?, require_mfa = ?,
		allowed_groups = ?, backchannel_logout_uri = ?, backchannel_logout_session_required = ?,
		jwks = ?, jwks_uri = ?, token_endpoint_auth_method = ?, id_token_signed_response_alg = ?,
		require_pushed_authorization_requests = ?, token_exchange_delegation = ?, registration_access_token_hash = ?,
		home_url = ?
		WHERE id = ?`,
		c.SecretHash, c.Public, c.Name, lists[0], lists[1], lists[2], lists[3],
		c.FirstParty, c.AccessTokenFormat, c.Dev, c.Admin, s.h.d.ts(now), c.RequireMFA, lists[4],
		c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired, c.JWKS, c.JWKSURI, c.TokenEndpointAuthMethod,
		c.IDTokenSignedResponseAlg,
		c.RequirePushedAuthorizationRequests, c.TokenExchangeDelegation, bytesOrNil(c.RegistrationAccessTokenHash), c.HomeURL, c.ID)
	if err != nil {
		return fmt.Errorf("update client %s: %w", c.ID, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("update client %s: %w", c.ID, storage.ErrNotFound)
	}
	c.UpdatedAt = now
	return nil
}

func (s clients) Delete(ctx context.Context, id string) error {
	n, err := s.h.exec(ctx, `DELETE FROM clients WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete client %s: %w", id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("delete client %s: %w", id, storage.ErrNotFound)
	}
	return nil
}
