package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// The admin console: pages under /admin for users whose role is admin.
// Every action goes through Options.Admin, which the server adapts over
// the same account rules and client management as the management API.
const (
	adminPath          = "/admin"
	adminTemplate      = "admin_dashboard"
	adminConfirmPage   = "admin_confirm"
	adminSignedInKey   = "ui.admin"
	adminPageSize      = 50
	adminMaxQuery      = 200 // bytes of a search or filter value
	adminConfirmField  = "confirm"
	adminNoticeParam   = "notice"
	adminCountParam    = "n"
	adminSkippedParam  = "skipped"
	adminCursorParam   = "cursor"
	adminConflictKey   = "admin.error.state_conflict"
	adminSelfActionKey = "admin.error.self_action"
	adminStateKeyStart = "admin.state."
)

// Admin is what the console needs: the account rules (users, pending
// approvals, settings, the audit log) and client management. The server
// adapts *account.Registrar and the management API's client adapter, so
// the console and the API share one copy of the rules.
type Admin interface {
	AdminUsers
	AdminClients
	AdminSettings
	AdminAudit
}

// adminRoutes adds the console; every route admits only administrators.
func (u *UI) adminRoutes(r gin.IRouter) {
	g := r.Group(adminPath, u.adminOnly)
	g.GET("", u.adminDashboard)
	u.adminPendingRoutes(g)
	u.adminUserRoutes(g)
	u.adminClientRoutes(g)
	u.adminSettingsRoutes(g)
	u.adminAuditRoutes(g)
	u.adminAccessRoutes(g)   // admin_groups.go
	u.adminBrandingRoutes(g) // admin_branding.go
}

// adminOnly lets administrators through with their session in the
// context: anonymous browsers are sent to sign in (303), signed-in users
// without the admin role get 403. Every console page is no-store.
func (u *UI) adminOnly(c *gin.Context) {
	returnTo := adminPath
	if c.Request.Method == http.MethodGet {
		if p := safeReturnTo(c.Request.URL.RequestURI()); p != "" {
			returnTo = p
		}
	}
	si, ok := u.accountUser(c, returnTo)
	if !ok {
		c.Abort()
		return
	}
	if si.user.Role != storage.RoleAdmin {
		u.log.WarnContext(c.Request.Context(), "admin console refused to a non-administrator",
			"user_id", si.user.ID, "path", c.Request.URL.Path)
		u.RenderError(c, http.StatusForbidden)
		return
	}
	if !u.adminMFAGate(c, si, returnTo) { // mfa_account.go
		c.Abort()
		return
	}
	c.Set(adminSignedInKey, si)
	c.Request = c.Request.WithContext(account.WithClientIP(c.Request.Context(), c.ClientIP()))
	c.Next()
}

// adminActor is the signed-in administrator's id, the actor of the audit
// events of their changes.
func adminActor(c *gin.Context) string {
	v, _ := c.Get(adminSignedInKey)
	si, _ := v.(*signedIn)
	if si == nil {
		return ""
	}
	return si.user.ID
}

// adminNav is the part of every console page's data that the navigation
// and notices need.
type adminNav struct {
	Nav    string // the section: dashboard, pending, users, clients, settings, audit
	Notice string // translated: what just happened
	Alert  string // translated: what went wrong
}

// stateCount is one line of the dashboard's user counts.
type stateCount struct {
	State string
	Label string
	Count int
}

// adminDashboardData is the .Data of the dashboard.
type adminDashboardData struct {
	adminNav
	States  []stateCount
	Users   int
	Pending int
	Clients int
}

// adminDashboard serves GET /admin: counts with links.
func (u *UI) adminDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	counts, err := u.admin.CountUsers(ctx)
	if err != nil {
		u.fail(c, "count users", err)
		return
	}
	clients, err := u.admin.CountClients(ctx)
	if err != nil {
		u.fail(c, "count clients", err)
		return
	}
	lang := u.lang(c)
	d := adminDashboardData{adminNav: adminNav{Nav: "dashboard"}, Clients: clients,
		Pending: counts[storage.UserPendingApproval]}
	for _, s := range storage.UserStates() {
		d.States = append(d.States, stateCount{State: string(s), Label: u.stateLabel(lang, s), Count: counts[s]})
		d.Users += counts[s]
	}
	u.Render(c, http.StatusOK, adminTemplate, d)
}

// stateLabel is the translated name of a user state.
func (u *UI) stateLabel(lang string, s storage.UserState) string {
	if !s.Valid() {
		return string(s)
	}
	return u.bundle.T(lang, adminStateKeyStart+string(s))
}

// adminConfirmData is the .Data of the confirmation page of a destructive
// action: a POST form to Action carrying Hidden plus confirm=1.
type adminConfirmData struct {
	adminNav
	Heading string // translated
	Message string // translated
	Button  string // translated
	Action  string
	Cancel  string
	Hidden  []hiddenField
	// Reason shows the optional reason field of a rejection.
	Reason      bool
	ReasonValue string
	ReasonError string // translated
}

// hiddenField is one hidden input of a confirmation form.
type hiddenField struct{ Name, Value string }

// confirmed reports whether a POSTed form carries the confirmation.
func confirmed(c *gin.Context) bool { return c.Request.PostForm.Get(adminConfirmField) == "1" }

// adminNotice translates the ?notice= of a console page from keys (notice
// value to catalog key), with the counts of ?n= and ?skipped=.
func (u *UI) adminNotice(c *gin.Context, keys map[string]string) string {
	key, ok := keys[c.Query(adminNoticeParam)]
	if !ok {
		return ""
	}
	return u.bundle.T(u.lang(c), key, "count", queryCount(c, adminCountParam), "skipped", queryCount(c, adminSkippedParam))
}

// queryCount reads a small non-negative count from the query.
func queryCount(c *gin.Context, name string) string {
	n, err := strconv.Atoi(c.Query(name))
	if err != nil || n < 0 || n > 10000 {
		return "0"
	}
	return strconv.Itoa(n)
}

// noticeURL is path with ?notice= and, when not nil, the counts.
func noticeURL(path, notice string, counts ...int) string {
	q := url.Values{adminNoticeParam: {notice}}
	if len(counts) > 0 {
		q.Set(adminCountParam, strconv.Itoa(counts[0]))
	}
	if len(counts) > 1 {
		q.Set(adminSkippedParam, strconv.Itoa(counts[1]))
	}
	return path + "?" + q.Encode()
}

// adminQuery reads a bounded search or filter value from the query.
func adminQuery(c *gin.Context, name string) string {
	return truncateUTF8(c.Query(name), adminMaxQuery)
}

// nextPageURL is path with the filters q and the cursor of the next page;
// "" when there is none.
func nextPageURL(path string, q url.Values, next string) string {
	if next == "" {
		return ""
	}
	out := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" {
			out.Set(k, v[0])
		}
	}
	out.Set(adminCursorParam, next)
	return path + "?" + out.Encode()
}

// formatTime writes a time for the console, in UTC; "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// adminMessageKeys lists the catalog keys the console builds in Go.
func adminMessageKeys() []string {
	keys := []string{adminConflictKey, adminSelfActionKey}
	for _, s := range storage.UserStates() {
		keys = append(keys, adminStateKeyStart+string(s))
	}
	keys = append(keys, adminUserMessageKeys()...)
	keys = append(keys, adminPendingMessageKeys()...)
	keys = append(keys, adminClientMessageKeys()...)
	keys = append(keys, adminSettingsMessageKeys()...)
	return append(keys, adminAuditMessageKeys()...)
}
