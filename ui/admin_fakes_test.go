package ui

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// fakeAdmin keeps users, clients and settings in memory and applies the
// account layer's state rules, so the console's handling of refusals can
// be tested.
type fakeAdmin struct {
	mu       sync.Mutex
	users    map[string]storage.User
	clients  map[string]storage.Client
	rs       account.RegistrationSettings
	l        account.SessionLifetimes
	cs       *account.ConsoleSettings // nil: the defaults
	ps       account.ProtocolSettings // admin_protocol2_test.go
	calls    []string                 // "action id actor [reason]"
	filters  []storage.UserFilter
	audits   []storage.AuditFilter
	nextPage string // Next of every list page
	secretN  int
	mfaOn    map[string]bool // users with two-step verification on
}

func newFakeAdmin(t *testing.T) *fakeAdmin {
	t.Helper()
	f := &fakeAdmin{users: map[string]storage.User{}, clients: map[string]storage.Client{},
		rs: account.DefaultRegistrationSettings(), l: account.DefaultSessionLifetimes()}
	for _, u := range []storage.User{
		{ID: "u-pending", Email: "pat@example.com", GivenName: "Pat", State: storage.UserPendingApproval},
		{ID: "u-pending2", Email: "quinn@example.com", State: storage.UserPendingApproval},
		{ID: "u-active", Email: "ada@example.com", Username: "ada", State: storage.UserActive, Country: "DE", Locale: "ru"},
	} {
		u.CreatedAt = testNow
		f.users[u.ID] = u
	}
	f.clients["web"] = storage.Client{ID: "web", Name: "Web", SecretHash: "hash", RedirectURIs: []string{"https://web.example/cb"},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, AccessTokenFormat: storage.AccessTokenJWT}
	return f
}

func (f *fakeAdmin) record(parts ...string) {
	f.calls = append(f.calls, strings.Join(parts, " "))
}

func (f *fakeAdmin) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeAdmin) CountUsers(context.Context) (map[storage.UserState]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[storage.UserState]int{}
	for _, u := range f.users {
		out[u.State]++
	}
	return out, nil
}

func (f *fakeAdmin) User(_ context.Context, id string) (storage.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return u, fmt.Errorf("user %s: %w", id, storage.ErrNotFound)
	}
	return u, nil
}

func (f *fakeAdmin) ListUsers(_ context.Context, flt storage.UserFilter) (storage.Page[storage.User], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, flt)
	var page storage.Page[storage.User]
	for _, id := range slices.Sorted(maps.Keys(f.users)) {
		u := f.users[id]
		if (flt.State == "" || u.State == flt.State) && strings.Contains(u.Email, flt.Query) {
			page.Items = append(page.Items, u)
		}
	}
	page.Next = f.nextPage
	return page, nil
}

func (f *fakeAdmin) Identities(context.Context, string) ([]storage.Identity, error) {
	return []storage.Identity{{ID: "i1", Provider: "github", Email: "gh@example.com", CreatedAt: testNow}}, nil
}

func (f *fakeAdmin) UserSessions(context.Context, string) ([]storage.BrowserSession, error) {
	return []storage.BrowserSession{{ID: "s1", CreatedAt: testNow, LastSeenAt: testNow, ExpiresAt: testNow.Add(time.Hour),
		IP: "192.0.2.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}, nil
}

// transition changes a user's state when it is one of from.
func (f *fakeAdmin) transition(action, id, actor string, to storage.UserState, from ...storage.UserState) (storage.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return u, fmt.Errorf("user %s: %w", id, storage.ErrNotFound)
	}
	if !slices.Contains(from, u.State) {
		return u, fmt.Errorf("%w: user is %s", account.ErrStateConflict, u.State)
	}
	u.State = to
	f.users[id] = u
	f.record(action, id, actor)
	return u, nil
}

func (f *fakeAdmin) Approve(_ context.Context, id, actor string) (storage.User, error) {
	return f.transition("approve", id, actor, storage.UserActive, storage.UserPendingApproval)
}

func (f *fakeAdmin) Reject(_ context.Context, id, actor, reason string) (storage.User, error) {
	if err := account.CheckRejectReason(reason); err != nil {
		return storage.User{}, err
	}
	u, err := f.transition("reject", id, actor, storage.UserRejected, storage.UserPendingApproval)
	if err == nil {
		f.mu.Lock()
		f.record("reason", reason)
		f.mu.Unlock()
	}
	return u, err
}

func (f *fakeAdmin) Block(_ context.Context, id, actor string) (storage.User, error) {
	return f.transition("block", id, actor, storage.UserBlocked,
		storage.UserActive, storage.UserPendingApproval, storage.UserPendingVerification)
}

func (f *fakeAdmin) Unblock(_ context.Context, id, actor string) (storage.User, error) {
	return f.transition("unblock", id, actor, storage.UserActive, storage.UserBlocked)
}

func (f *fakeAdmin) SendPasswordReset(_ context.Context, id, actor string) error {
	_, err := f.transition("reset", id, actor, storage.UserActive, storage.UserActive)
	return err
}

func (f *fakeAdmin) AdminResendVerification(_ context.Context, id, actor string) error {
	_, err := f.transition("resend-verification", id, actor, storage.UserPendingVerification, storage.UserPendingVerification)
	return err
}

func (f *fakeAdmin) AdminUnlinkIdentity(_ context.Context, id, identityID, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[id]; !ok || identityID != "i1" {
		return fmt.Errorf("identity %s of %s: %w", identityID, id, storage.ErrNotFound)
	}
	f.record("unlink-identity", id, identityID, actor)
	return nil
}

func (f *fakeAdmin) EndUserSessions(_ context.Context, id, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[id]; !ok {
		return storage.ErrNotFound
	}
	f.record("end-sessions", id, actor)
	return nil
}

func (f *fakeAdmin) UserMFA(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mfaOn[id], nil
}

func (f *fakeAdmin) ResetMFA(_ context.Context, id, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[id]; !ok {
		return storage.ErrNotFound
	}
	if !f.mfaOn[id] {
		return account.ErrMFANotEnabled
	}
	delete(f.mfaOn, id)
	f.record("mfa-reset", id, actor)
	return nil
}

func (f *fakeAdmin) DeleteUser(_ context.Context, id, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[id]; !ok {
		return storage.ErrNotFound
	}
	delete(f.users, id)
	f.record("delete", id, actor)
	return nil
}

func (f *fakeAdmin) AuditEvents(_ context.Context, flt storage.AuditFilter) (storage.Page[storage.AuditEvent], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.audits = append(f.audits, flt)
	e := storage.AuditEvent{ID: "e1", Time: testNow, Type: "admin.user.block", ActorID: "user-root", UserID: "u-active",
		IP: "192.0.2.1", Details: map[string]string{"to": "blocked", "from": "active"}}
	return storage.Page[storage.AuditEvent]{Items: []storage.AuditEvent{e}, Next: f.nextPage}, nil
}

func (f *fakeAdmin) Settings(context.Context) (account.RegistrationSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rs, nil
}

func (f *fakeAdmin) SaveSettingsByAdmin(_ context.Context, rs account.RegistrationSettings, actor string) error {
	if err := rs.Validate(); err != nil {
		return fmt.Errorf("%w: %w", account.ErrInvalid, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rs = rs
	f.record("settings", actor)
	return nil
}

func (f *fakeAdmin) SessionSettings(context.Context) (account.SessionLifetimes, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.l, nil
}

func (f *fakeAdmin) SaveSessionSettingsByAdmin(_ context.Context, l account.SessionLifetimes, actor string) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("%w: %w", account.ErrInvalid, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.l = l
	f.record("sessions", actor)
	return nil
}

func (f *fakeAdmin) CountClients(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.clients), nil
}

func (f *fakeAdmin) ListClients(context.Context, string, int) (storage.Page[storage.Client], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var page storage.Page[storage.Client]
	for _, id := range slices.Sorted(maps.Keys(f.clients)) {
		page.Items = append(page.Items, f.clients[id])
	}
	return page, nil
}

func (f *fakeAdmin) Client(_ context.Context, id string) (storage.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[id]
	if !ok {
		return c, fmt.Errorf("client %s: %w", id, storage.ErrNotFound)
	}
	return c, nil
}

// checkClient stands in for the registration rules: https redirect URIs
// only, scopes without quotes.
func checkClient(c storage.Client) error {
	var problems []ClientProblem
	for _, u := range c.RedirectURIs {
		if !strings.HasPrefix(u, "https://") {
			problems = append(problems, ClientProblem{Field: "redirect_uris", Value: u})
		}
	}
	for _, s := range c.Scopes {
		if strings.Contains(s, `"`) {
			problems = append(problems, ClientProblem{Field: "scopes", Value: s})
		}
	}
	if len(problems) > 0 {
		return &ClientRulesError{Problems: problems}
	}
	return nil
}

func (f *fakeAdmin) CreateClient(_ context.Context, actor string, c storage.Client) (string, error) {
	if err := checkClient(c); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.clients[c.ID]; ok {
		return "", fmt.Errorf("client %s: %w", c.ID, storage.ErrAlreadyExists)
	}
	f.clients[c.ID] = c
	f.record("create-client", c.ID, actor)
	if c.Public {
		return "", nil
	}
	f.secretN++
	return fmt.Sprintf("secret-%02d-%s", f.secretN, strings.Repeat("s", 32)), nil
}

func (f *fakeAdmin) UpdateClient(_ context.Context, actor string, c storage.Client) error {
	if err := checkClient(c); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[c.ID] = c
	f.record("update-client", c.ID, actor)
	return nil
}

func (f *fakeAdmin) RotateClientSecret(_ context.Context, actor, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.clients[id].Public {
		return "", storage.ErrConflict
	}
	f.secretN++
	f.record("rotate", id, actor)
	return fmt.Sprintf("secret-%02d-%s", f.secretN, strings.Repeat("r", 32)), nil
}

func (f *fakeAdmin) DeleteClient(_ context.Context, actor, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clients, id)
	f.record("delete-client", id, actor)
	return nil
}

// adminEnv is a sign-in environment with the console over fakeAdmin:
// alice is a plain user, root an administrator.
type adminEnv struct {
	*signInEnv
	admin *fakeAdmin
	root  *http.Cookie // root's session
	alice *http.Cookie // alice's session
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	fa := newFakeAdmin(t)
	env := newSignInEnv(t, func(o *Options) { o.Admin = fa })
	env.accounts.addUser("root", testPassword, nil)
	env.accounts.mu.Lock()
	root := env.accounts.users["root"]
	root.user.Role = storage.RoleAdmin
	env.accounts.users["root"] = root
	env.accounts.mu.Unlock()
	rootSecret, _ := env.accounts.addSession("root", testNow)
	aliceSecret, _ := env.accounts.addSession("alice", testNow)
	name := env.ui.SessionCookieName()
	return &adminEnv{signInEnv: env, admin: fa, root: &http.Cookie{Name: name, Value: rootSecret},
		alice: &http.Cookie{Name: name, Value: aliceSecret}}
}

// asRoot serves req with root's session.
func (e *adminEnv) asRoot(req request) response {
	e.t.Helper()
	req.cookies = append(req.cookies, e.root)
	return e.do(req)
}

func (f *fakeAdmin) ConsoleSettings(context.Context) (account.ConsoleSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cs != nil {
		return *f.cs, nil
	}
	return account.DefaultConsoleSettings(), nil
}

func (f *fakeAdmin) SaveConsoleSettingsByAdmin(_ context.Context, cs account.ConsoleSettings, actor string) error {
	if err := cs.Validate(); err != nil {
		return fmt.Errorf("%w: %w", account.ErrInvalid, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cs = &cs
	f.record("console", actor)
	return nil
}

func (f *fakeAdmin) PersonalTokens(context.Context, string) ([]storage.PersonalToken, error) {
	return []storage.PersonalToken{{ID: "t1", UserID: "u-active", Name: "backup script", Scopes: []string{"profile"},
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), ExpiresAt: time.Date(2036, 1, 2, 3, 4, 0, 0, time.UTC)}}, nil
}

func (f *fakeAdmin) RevokePersonalToken(_ context.Context, userID, tokenID, actor, _ string) error {
	if userID != "u-active" || tokenID != "t1" {
		return storage.ErrNotFound
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("revoke-token "+tokenID, actor)
	return nil
}
