package adminapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// RegistrationTokens keeps the initial access tokens of dynamic client
// registration (*dynreg.Service; issue 18 item 6).
type RegistrationTokens interface {
	CreateToken(ctx context.Context, actor, name string, ttl time.Duration) (storage.RegistrationToken, string, error)
	ListTokens(ctx context.Context, cursor string, limit int) (storage.Page[storage.RegistrationToken], error)
	RevokeToken(ctx context.Context, actor, id string) error
}

// ErrRegistrationTokenInput marks a refused name or lifetime (the
// RegistrationTokens implementation wraps it; dynreg.ErrInvalid).
var ErrRegistrationTokenInput = errors.New("adminapi: invalid registration token input")

// registrationTokenRoutes are the initial access token routes; none when
// the API has no RegistrationTokens.
func (a *API) registrationTokenRoutes(page []string) []route {
	if a.regTokens == nil {
		return nil
	}
	return []route{
		{http.MethodGet, "/registration-tokens", "List initial access tokens of dynamic client registration (never the tokens)", "registration-tokens", page, "", 200, a.listRegistrationTokens},
		{http.MethodPost, "/registration-tokens", "Create an initial access token (returned once)", "registration-tokens", nil, "RegistrationTokenCreate", 201, noPersonal(a.createRegistrationToken)},
		{http.MethodDelete, "/registration-tokens/:id", "Revoke an initial access token (its clients stay)", "registration-tokens", nil, "", 204, a.revokeRegistrationToken},
	}
}

type registrationTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Active     bool       `json:"active"`
}

func toRegistrationTokenJSON(t storage.RegistrationToken, now time.Time) registrationTokenJSON {
	opt := func(v time.Time) *time.Time {
		if v.IsZero() {
			return nil
		}
		return &v
	}
	return registrationTokenJSON{ID: t.ID, Name: t.Name, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt,
		ExpiresAt: opt(t.ExpiresAt), RevokedAt: opt(t.RevokedAt), LastUsedAt: opt(t.LastUsedAt), Active: t.Active(now)}
}

type registrationTokenInJSON struct {
	Name      string `json:"name"`
	ExpiresIn string `json:"expires_in"` // "30d", "12h"; empty: until revoked
}

func (a *API) createRegistrationToken(c *gin.Context) {
	var in registrationTokenInJSON
	if !decodeBody(c, &in, []string{"name", "expires_in"}, true) {
		return
	}
	var ttl time.Duration
	if in.ExpiresIn != "" {
		d, err := account.ParseDays(in.ExpiresIn)
		if err != nil || d <= 0 {
			invalid(c, "a field is invalid", FieldProblem{Field: "expires_in", Detail: "a lifetime such as \"30d\" or \"12h\", or empty for no expiry"})
			return
		}
		ttl = d
	}
	t, secret, err := a.regTokens.CreateToken(c.Request.Context(), caller(c).Actor(), in.Name, ttl)
	if errors.Is(err, ErrRegistrationTokenInput) {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		invalid(c, msg)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	out := toRegistrationTokenJSON(t, time.Now())
	out.Token = secret
	c.JSON(http.StatusCreated, out)
}

func (a *API) listRegistrationTokens(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	page, err := a.regTokens.ListTokens(c.Request.Context(), cursor, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	now := time.Now()
	items := make([]registrationTokenJSON, 0, len(page.Items))
	for _, t := range page.Items {
		items = append(items, toRegistrationTokenJSON(t, now))
	}
	writeList(c, items, page.Next)
}

func (a *API) revokeRegistrationToken(c *gin.Context) {
	if err := a.regTokens.RevokeToken(c.Request.Context(), caller(c).Actor(), c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
