package adminapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

type sessionJSON struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Persistent bool      `json:"persistent"`
	AMR        []string  `json:"amr"`
	UserAgent  string    `json:"user_agent,omitempty"`
	IP         string    `json:"ip,omitempty"`
}

func (a *API) listSessions(c *gin.Context) {
	list, err := a.accounts.UserSessions(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		items = append(items, sessionJSON{ID: s.ID, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt,
			Persistent: s.Persistent, AMR: s.AMR, UserAgent: s.UserAgent, IP: s.IP})
	}
	writeList(c, items, "")
}

func (a *API) endSessions(c *gin.Context) {
	if err := a.accounts.EndUserSessions(c.Request.Context(), c.Param("id"), caller(c).Actor()); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// resetMFA turns off the user's authenticator and recovery codes; the
// user then signs in with the password alone. Turning off what is off is
// no error (204 either way).
func (a *API) resetMFA(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := a.accounts.User(ctx, c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	err := a.accounts.ResetMFA(ctx, c.Param("id"), caller(c).Actor())
	if err != nil && !errors.Is(err, account.ErrMFANotEnabled) {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type identityJSON struct {
	ID         string     `json:"id"`
	Provider   string     `json:"provider"`
	Subject    string     `json:"subject"`
	Email      string     `json:"email,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func (a *API) listIdentities(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := a.accounts.User(ctx, c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	list, err := a.accounts.Identities(ctx, c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]identityJSON, 0, len(list))
	for _, id := range list {
		j := identityJSON{ID: id.ID, Provider: id.Provider, Subject: id.Subject, Email: id.Email, CreatedAt: id.CreatedAt}
		if !id.LastUsedAt.IsZero() {
			t := id.LastUsedAt
			j.LastUsedAt = &t
		}
		items = append(items, j)
	}
	writeList(c, items, "")
}

func (a *API) unlinkIdentity(c *gin.Context) {
	err := a.accounts.AdminUnlinkIdentity(c.Request.Context(), c.Param("id"), c.Param("identity_id"), caller(c).Actor())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type auditJSON struct {
	ID      string            `json:"id"`
	Time    time.Time         `json:"time"`
	Type    string            `json:"type"`
	ActorID string            `json:"actor_id,omitempty"`
	UserID  string            `json:"user_id,omitempty"`
	IP      string            `json:"ip,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// listAudit: filters user (the user concerned), type, since (RFC 3339).
func (a *API) listAudit(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	f := storage.AuditFilter{UserID: c.Query("user"), Type: c.Query("type"), Cursor: cursor, Limit: limit}
	if s := c.Query("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			invalid(c, "bad query parameter", FieldProblem{Field: "since", Detail: "an RFC 3339 time"})
			return
		}
		f.Since = t
	}
	page, err := a.accounts.AuditEvents(c.Request.Context(), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]auditJSON, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, auditJSON{ID: e.ID, Time: e.Time, Type: e.Type, ActorID: e.ActorID, UserID: e.UserID, IP: e.IP, Details: e.Details})
	}
	writeList(c, items, page.Next)
}
