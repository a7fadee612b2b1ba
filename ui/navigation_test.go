package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// stubProfiles turns the account pages on; the tests here never call it.
type stubProfiles struct{ Profiles }

// stubConsole answers ConnectedApps with apps; the tests here call nothing
// else.
type stubConsole struct {
	Console
	apps map[string][]account.ConnectedApp // by user id
}

func (s stubConsole) ConnectedApps(_ context.Context, userID string) ([]account.ConnectedApp, error) {
	return s.apps[userID], nil
}

// NoteSignIn: no "new sign-in" letters here.
func (s stubConsole) NoteSignIn(context.Context, string, string, string, string) (string, error) {
	return "", nil
}

// navEnv is a sign-in environment with the account pages, the console and
// the admin console: alice is a user who used two applications, root an
// administrator who used none.
type navEnv struct {
	*signInEnv
	reg         *fakeRegistration
	alice, root *http.Cookie
}

func newNavEnv(t *testing.T, mode account.RegistrationMode) *navEnv {
	t.Helper()
	reg := newFakeRegistration(settingsOf(t, mode, true, "login", "email", "password", "password_confirm"))
	console := stubConsole{apps: map[string][]account.ConnectedApp{
		"user-alice": {
			{ClientID: "notes", Name: "Acme Notes", HomePage: "https://notes.example.test/"},
			{ClientID: "cli", Name: "Acme CLI"}, // no web page: listed without a link
		},
	}}
	env := newSignInEnv(t, func(o *Options) {
		o.Registration, o.Profiles, o.Console, o.Admin = reg, stubProfiles{}, console, newFakeAdmin(t)
	})
	env.accounts.addUser("root", testPassword, nil)
	env.accounts.mu.Lock()
	root := env.accounts.users["root"]
	root.user.Role, root.user.GivenName, root.user.FamilyName = storage.RoleAdmin, "Ada", "Root"
	env.accounts.users["root"] = root
	env.accounts.mu.Unlock()
	name := env.ui.SessionCookieName()
	aliceSecret, _ := env.accounts.addSession("alice", testNow)
	rootSecret, _ := env.accounts.addSession("root", testNow)
	return &navEnv{signInEnv: env, reg: reg,
		alice: &http.Cookie{Name: name, Value: aliceSecret}, root: &http.Cookie{Name: name, Value: rootSecret}}
}

// headerOf is the page's <header>.
func headerOf(t *testing.T, doc *html.Node) *html.Node {
	t.Helper()
	return first(t, doc, byTag("header"))
}

// menuLinks lists the hrefs of the user menu's links and, for its sign-out
// form, "POST "+action.
func menuLinks(t *testing.T, header *html.Node) []string {
	t.Helper()
	menu := byID(header, "user-menu")
	if menu == nil {
		return nil
	}
	var out []string
	for _, a := range findAll(menu, byTag("a")) {
		out = append(out, attr(a, "href")+" "+textOf(a))
	}
	for _, f := range findAll(menu, byTag("form")) {
		out = append(out, strings.ToUpper(attr(f, "method"))+" "+attr(f, "action")+" "+textOf(f))
	}
	return out
}

// TestHeaderMenu: the header of every kind of page names the signed-in
// user with Account, Administration (administrators only) and Sign out (a
// POST), or offers "Sign in" to a signed-out browser.
func TestHeaderMenu(t *testing.T) {
	e := newNavEnv(t, account.ModeOpen)
	id := e.addRequest("ar-nav", nil)
	tests := []struct {
		name     string
		req      request
		status   int
		wantName string   // the menu's name; "" when signed out
		want     []string // the menu's entries
	}{
		{name: "signed out landing", req: request{target: "/"}, status: http.StatusOK},
		{name: "signed out error page", req: request{target: "/no-such-page"}, status: http.StatusNotFound},
		{name: "user landing", req: request{target: "/", cookie: e.alice}, status: http.StatusOK,
			wantName: "alice@example.com", want: []string{"/account Account", "POST /logout Sign out"}},
		{name: "user error page", req: request{target: "/no-such-page", cookie: e.alice}, status: http.StatusNotFound,
			wantName: "alice@example.com", want: []string{"/account Account", "POST /logout Sign out"}},
		{name: "user consent page", req: request{target: "/consent?authRequestID=" + id, cookie: e.alice}, status: http.StatusOK,
			wantName: "alice@example.com", want: []string{"/account Account", "POST /logout Sign out"}},
		{name: "user refused the console", req: request{target: "/admin", cookie: e.alice}, status: http.StatusForbidden,
			wantName: "alice@example.com", want: []string{"/account Account", "POST /logout Sign out"}},
		{name: "admin landing", req: request{target: "/", cookie: e.root}, status: http.StatusOK,
			wantName: "Ada Root", want: []string{"/account Account", "/admin Administration", "POST /logout Sign out"}},
		{name: "admin console", req: request{target: "/admin", cookie: e.root}, status: http.StatusOK,
			wantName: "Ada Root", want: []string{"/account Account", "/admin Administration", "POST /logout Sign out"}},
		{name: "admin in russian", req: request{target: "/?lang=ru", cookie: e.root}, status: http.StatusOK,
			wantName: "Ada Root", want: []string{"/account Учётная запись", "/admin Администрирование", "POST /logout Выйти"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(tc.req)
			if res.Code != tc.status {
				t.Fatalf("status %d, want %d", res.Code, tc.status)
			}
			header := headerOf(t, res.doc)
			signIn := byID(header, "header-sign-in")
			if tc.wantName == "" {
				if signIn == nil || attr(signIn, "href") != "/login" || textOf(signIn) != "Sign in" {
					t.Errorf("signed out: no Sign in link in the header: %v", signIn)
				}
				if byID(header, "user-menu") != nil {
					t.Error("signed out, the header has a user menu")
				}
				return
			}
			if signIn != nil {
				t.Error("signed in, the header offers Sign in")
			}
			menu := byID(header, "user-menu")
			if menu == nil || !isTag(menu, "details") {
				t.Fatalf("no <details> user menu")
			}
			if got := textOf(first(t, menu, byTag("summary"))); !strings.Contains(got, tc.wantName) {
				t.Errorf("menu summary %q, want the name %q", got, tc.wantName)
			}
			got := menuLinks(t, header)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("menu %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHeaderLanguageMenu: the header carries the language switch too.
func TestHeaderLanguageMenu(t *testing.T) {
	e := newNavEnv(t, account.ModeOpen)
	res := e.do(request{target: "/account/x?lang=ru&q=1"})
	var langs []string
	for _, a := range findAll(headerOf(t, res.doc), byTag("a")) {
		if l := attr(a, "hreflang"); l != "" {
			langs = append(langs, l+" "+attr(a, "href"))
		}
	}
	if strings.Join(langs, "|") != "en /account/x?lang=en&q=1|ru /account/x?lang=ru&q=1" {
		t.Errorf("header language links %q", langs)
	}
}

// TestHeaderAfterSignOut: the signed-out page after POST /logout shows no
// user in the header, though the handler read the session first.
func TestHeaderAfterSignOut(t *testing.T) {
	e := newNavEnv(t, account.ModeOpen)
	res := e.do(request{target: "/logout", cookie: e.alice, form: url.Values{}})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d", res.Code)
	}
	header := headerOf(t, res.doc)
	if byID(header, "user-menu") != nil || byID(header, "header-sign-in") == nil {
		t.Errorf("after signing out the header shows %q", textOf(header))
	}
}

// TestLandingSignedIn: a signed-in user sees the applications they used,
// linked to their home pages, instead of "Sign in or create an account".
func TestLandingSignedIn(t *testing.T) {
	e := newNavEnv(t, account.ModeOpen)
	res := e.do(request{target: "/", cookie: e.alice})
	main := first(t, res.doc, byTag("main"))
	if got := textOf(byID(main, "landing-signed-in")); got != "You are signed in as alice@example.com." {
		t.Errorf("intro %q", got)
	}
	list := byID(main, "app-list")
	if list == nil {
		t.Fatal("no application list")
	}
	var items []string
	for _, li := range findAll(list, byTag("li")) {
		href := ""
		if a := findAll(li, byTag("a")); len(a) == 1 {
			href = attr(a[0], "href")
		}
		items = append(items, textOf(li)+" "+href)
	}
	if strings.Join(items, "|") != "Acme Notes https://notes.example.test/|Acme CLI " {
		t.Errorf("applications %q", items)
	}
	for _, a := range findAll(main, byTag("a")) {
		if h := attr(a, "href"); h == "/login" || h == "/register" {
			t.Errorf("signed in, the landing page links to %s", h)
		}
	}
	assertLink(t, main, "/account", "Manage your account")

	res = e.do(request{target: "/?lang=ru", cookie: e.root})
	main = first(t, res.doc, byTag("main"))
	if byID(main, "app-list") != nil || !strings.Contains(textOf(byID(main, "no-apps")), "ни в одно приложение") {
		t.Errorf("no applications: %q", textOf(main))
	}
}

// TestLandingClosedRegistration: with registration closed or by invitation
// the landing page offers no "Create account".
func TestLandingClosedRegistration(t *testing.T) {
	for _, mode := range []account.RegistrationMode{account.ModeClosed, account.ModeInvite} {
		t.Run(string(mode), func(t *testing.T) {
			e := newNavEnv(t, mode)
			res := e.do(request{target: "/"})
			main := first(t, res.doc, byTag("main"))
			for _, a := range findAll(res.doc, byTag("a")) {
				if strings.HasPrefix(attr(a, "href"), "/register") {
					t.Errorf("closed registration, a link to %s", attr(a, "href"))
				}
			}
			assertLink(t, main, "/login", "Sign in")
			if strings.Contains(textOf(main), "create an account") {
				t.Errorf("the intro still invites to create an account: %q", textOf(main))
			}
		})
	}
	e := newNavEnv(t, account.ModeOpen)
	assertLink(t, e.do(request{target: "/"}).doc, "/register", "Create account")
}

// TestSwitchAccount: "Not you? Switch account" on the consent page POSTs
// /login/switch, which ends the session and returns to the sign-in form of
// the same request; another browser's request signs nobody out.
func TestSwitchAccount(t *testing.T) {
	e := newNavEnv(t, account.ModeOpen)
	id := e.addRequest("ar-switch", nil)
	res := e.do(request{target: "/consent?authRequestID=" + id, cookie: e.alice})
	if res.Code != http.StatusOK {
		t.Fatalf("consent: status %d", res.Code)
	}
	form := formPosting(t, res, "/login/switch")
	if attr(fieldNode(t, form, "authRequestID"), "value") != id || !strings.Contains(textOf(byID(res.doc, "switch-account")), "Not you?") {
		t.Fatalf("switch form %q", textOf(form))
	}

	other := e.addRequest("ar-other", func(ar *AuthRequestView) { ar.BrowserHash = bindingHash("another browser") })
	res = e.do(request{target: "/login/switch", cookie: e.alice, form: url.Values{"authRequestID": {other}}})
	if res.Code == http.StatusSeeOther {
		t.Fatalf("another browser's request: redirected to %q", res.Header().Get("Location"))
	}
	if r := e.do(request{target: "/", cookie: e.alice}); byID(r.doc, "user-menu") == nil {
		t.Fatal("another browser's request signed alice out")
	}

	res = e.do(request{target: "/login/switch", cookie: e.alice, form: url.Values{"authRequestID": {id}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/login?authRequestID="+id+"&signin=1" {
		t.Fatalf("status %d Location %q", res.Code, res.Header().Get("Location"))
	}
	if c := sessionCookie(res, testSessionName); c == nil || c.MaxAge >= 0 {
		t.Error("the session cookie was not dropped")
	}
	login := e.do(request{target: res.Header().Get("Location"), cookie: e.alice})
	if login.Code != http.StatusOK || formPosting(t, login, "/login") == nil {
		t.Fatalf("the old session still signs in: status %d Location %q", login.Code, login.Header().Get("Location"))
	}

	// GET signs nobody out.
	if res := e.do(request{target: "/login/switch"}); res.Code == http.StatusSeeOther {
		t.Error("GET /login/switch redirected")
	}
}

// TestVerifyConfirmedToAccount: with the account pages on, "Your address
// is confirmed" (without an application) continues to the account, in
// both languages.
func TestVerifyConfirmedToAccount(t *testing.T) {
	e := newNavEnv(t, account.ModeOpen)
	e.reg.addLinkWithPassword(goodToken, goodPassword)
	e.accounts.addUser("new", goodPassword, nil)
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "password": {goodPassword}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/verify/confirmed" {
		t.Fatalf("status %d Location %q", res.Code, res.Header().Get("Location"))
	}
	session := sessionCookie(res, testSessionName)
	for _, tc := range []struct{ lang, heading, button string }{
		{"en", "Your address is confirmed", "Go to your account"},
		{"ru", "Адрес подтверждён", "Перейти в учётную запись"},
	} {
		page := e.do(request{target: "/verify/confirmed?lang=" + tc.lang, cookie: session})
		if page.Code != http.StatusOK {
			t.Fatalf("%s: status %d", tc.lang, page.Code)
		}
		if got := textOf(first(t, page.doc, byTag("h1"))); got != tc.heading {
			t.Errorf("%s: h1 %q", tc.lang, got)
		}
		cont := byID(page.doc, "continue")
		if cont == nil || attr(cont, "href") != "/account" || textOf(cont) != tc.button {
			t.Errorf("%s: continue link %v", tc.lang, cont)
		}
		if !strings.Contains(textOf(first(t, page.doc, byTag("main"))), "new@example.com") {
			t.Errorf("%s: the page does not name the address", tc.lang)
		}
	}
}
