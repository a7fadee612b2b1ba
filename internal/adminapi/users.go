package adminapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// userJSON is a user as the API shows it: never a password or hash.
type userJSON struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	Username      string    `json:"username,omitempty"`
	GivenName     string    `json:"given_name,omitempty"`
	FamilyName    string    `json:"family_name,omitempty"`
	Company       string    `json:"company,omitempty"`
	Country       string    `json:"country,omitempty"`
	Locale        string    `json:"locale,omitempty"`
	Role          string    `json:"role"`
	State         string    `json:"state"`
	HasPassword   bool      `json:"has_password"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`

	// MFAEnabled is set on single-user answers (GET /users/{id}).
	MFAEnabled *bool `json:"mfa_enabled,omitempty"`
}

func toUserJSON(u storage.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, Username: u.Username,
		GivenName: u.GivenName, FamilyName: u.FamilyName, Company: u.Company, Country: u.Country, Locale: u.Locale,
		Role: string(u.Role), State: string(u.State), HasPassword: u.PasswordHash != "", CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// listUsers: filters state, q (login, email or name), created_after
// (RFC 3339).
func (a *API) listUsers(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	f := storage.UserFilter{State: storage.UserState(c.Query("state")), Query: c.Query("q"), Cursor: cursor, Limit: limit}
	if f.State != "" && !f.State.Valid() {
		invalid(c, "bad query parameter", FieldProblem{Field: "state", Detail: "one of pending_verification, pending_approval, active, blocked, rejected"})
		return
	}
	if s := c.Query("created_after"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			invalid(c, "bad query parameter", FieldProblem{Field: "created_after", Detail: "an RFC 3339 time"})
			return
		}
		f.CreatedAfter = t
	}
	page, err := a.accounts.ListUsers(c.Request.Context(), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]userJSON, 0, len(page.Items))
	for _, u := range page.Items {
		items = append(items, toUserJSON(u))
	}
	writeList(c, items, page.Next)
}

func (a *API) getUser(c *gin.Context) {
	u, err := a.accounts.User(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	on, err := a.accounts.UserMFA(c.Request.Context(), u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := toUserJSON(u)
	out.MFAEnabled = &on
	c.JSON(http.StatusOK, out)
}

// userCreateJSON is the body of POST /users.
type userCreateJSON struct {
	Email      string `json:"email"`
	Username   string `json:"username"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Company    string `json:"company"`
	Country    string `json:"country"`
	Locale     string `json:"locale"`
	Role       string `json:"role"`
}

var userCreateFields = []string{"email", "username", "given_name", "family_name", "company", "country", "locale", "role"}

func (a *API) createUser(c *gin.Context) {
	var in userCreateJSON
	if !decodeBody(c, &in, userCreateFields, false) {
		return
	}
	cl := caller(c)
	u, err := a.accounts.CreateUserByAdmin(c.Request.Context(), account.AdminNewUser{
		Email: in.Email, Username: in.Username, GivenName: in.GivenName, FamilyName: in.FamilyName,
		Company: in.Company, Country: in.Country, Locale: in.Locale, Role: storage.Role(in.Role),
	}, cl.Actor(), cl.MaySetRole())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", Prefix+"/users/"+u.ID)
	c.JSON(http.StatusCreated, toUserJSON(u))
}

// userPatchJSON is the body of PATCH /users/{id}.
type userPatchJSON struct {
	Email         *string `json:"email"`
	EmailVerified *bool   `json:"email_verified"`
	Username      *string `json:"username"`
	GivenName     *string `json:"given_name"`
	FamilyName    *string `json:"family_name"`
	Company       *string `json:"company"`
	Country       *string `json:"country"`
	Locale        *string `json:"locale"`
	Role          *string `json:"role"`
}

var userPatchFields = append([]string{"email_verified"}, userCreateFields...)

func (a *API) patchUser(c *gin.Context) {
	var in userPatchJSON
	if !decodeBody(c, &in, userPatchFields, false) {
		return
	}
	upd := account.AdminUserUpdate{Email: in.Email, EmailVerified: in.EmailVerified, Username: in.Username,
		GivenName: in.GivenName, FamilyName: in.FamilyName, Company: in.Company, Country: in.Country, Locale: in.Locale}
	if in.Role != nil {
		r := storage.Role(*in.Role)
		upd.Role = &r
	}
	cl := caller(c)
	u, err := a.accounts.UpdateUserByAdmin(c.Request.Context(), c.Param("id"), upd, cl.Actor(), cl.MaySetRole())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

func (a *API) deleteUser(c *gin.Context) {
	if err := a.accounts.DeleteUser(c.Request.Context(), c.Param("id"), caller(c).Actor()); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// stateChange runs one of the lifecycle actions and answers with the user.
func (a *API) stateChange(c *gin.Context, do func(id, actor string) (storage.User, error)) {
	u, err := do(c.Param("id"), caller(c).Actor())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

func (a *API) approveUser(c *gin.Context) {
	a.stateChange(c, func(id, actor string) (storage.User, error) {
		return a.accounts.Approve(c.Request.Context(), id, actor)
	})
}

func (a *API) blockUser(c *gin.Context) {
	a.stateChange(c, func(id, actor string) (storage.User, error) { return a.accounts.Block(c.Request.Context(), id, actor) })
}

func (a *API) unblockUser(c *gin.Context) {
	a.stateChange(c, func(id, actor string) (storage.User, error) {
		return a.accounts.Unblock(c.Request.Context(), id, actor)
	})
}

func (a *API) rejectUser(c *gin.Context) {
	var in struct {
		Reason string `json:"reason"`
	}
	if !decodeBody(c, &in, []string{"reason"}, true) {
		return
	}
	a.stateChange(c, func(id, actor string) (storage.User, error) {
		return a.accounts.Reject(c.Request.Context(), id, actor, in.Reason)
	})
}

func (a *API) resetPassword(c *gin.Context) {
	if err := a.accounts.SendPasswordReset(c.Request.Context(), c.Param("id"), caller(c).Actor()); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "sent"})
}

func (a *API) resendVerification(c *gin.Context) {
	if err := a.accounts.AdminResendVerification(c.Request.Context(), c.Param("id"), caller(c).Actor()); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "sent"})
}
