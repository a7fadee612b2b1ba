package adminapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// passkeyJSON is a user's passkey (never its key material).
type passkeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Synced     bool       `json:"synced"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// listPasskeys serves GET /users/{id}/passkeys.
func (a *API) listPasskeys(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := a.accounts.User(ctx, c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	list, err := a.accounts.UserPasskeys(ctx, c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]passkeyJSON, 0, len(list))
	for _, p := range list {
		j := passkeyJSON{ID: p.ID, Name: p.Name, Synced: p.Synced, CreatedAt: p.CreatedAt}
		if !p.LastUsedAt.IsZero() {
			t := p.LastUsedAt
			j.LastUsedAt = &t
		}
		items = append(items, j)
	}
	writeList(c, items, "")
}

// removePasskey serves DELETE /users/{id}/passkeys/{passkey_id}; the last
// way to sign in of a user without a password stays (409).
func (a *API) removePasskey(c *gin.Context) {
	err := a.accounts.RemovePasskey(c.Request.Context(), c.Param("id"), c.Param("passkey_id"), caller(c).Actor())
	if errors.Is(err, account.ErrLastSignInMethod) {
		writeProblem(c, http.StatusConflict, ProblemConflict, "this passkey is the user's last way to sign in")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
