package adminapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Personal API tokens of users (issue 14): their metadata, never the
// token or its hash.

type personalTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	LastUsedIP string     `json:"last_used_ip,omitempty"`
}

func (a *API) listTokens(c *gin.Context) {
	list, err := a.accounts.PersonalTokens(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]personalTokenJSON, 0, len(list))
	for _, t := range list {
		j := personalTokenJSON{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
			LastUsedIP: t.LastUsedIP}
		if !t.LastUsedAt.IsZero() {
			at := t.LastUsedAt
			j.LastUsedAt = &at
		}
		items = append(items, j)
	}
	writeList(c, items, "")
}

func (a *API) revokeToken(c *gin.Context) {
	err := a.accounts.RevokePersonalToken(c.Request.Context(), c.Param("id"), c.Param("token_id"), caller(c).Actor(), c.ClientIP())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// noPersonal refuses personal API tokens on routes that mint credentials
// (a client and its secret): a personal token never makes other tokens.
func noPersonal(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if caller(c).Personal {
			writeProblem(c, http.StatusForbidden, ProblemForbidden, "a personal API token may not create credentials")
			return
		}
		h(c)
	}
}
