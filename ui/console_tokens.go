package ui

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// The personal API tokens page (/account/tokens) and the password
// confirmation that sensitive actions need (/account/reauth).

const (
	tokensTemplate       = "account_tokens"
	tokenCreatedTemplate = "account_token_created"
	reauthTemplate       = "account_reauth"
	reauthWrongKey       = "tokens.reauth.wrong"
	maxTokenNameKept     = 200
)

// tokenNotices maps ?notice= of the tokens page to its message.
var tokenNotices = map[string]string{"revoked": "tokens.notice.revoked"}

// tokenFieldKeys are the messages of the token form's field errors.
func tokenFieldKeys() []string {
	return []string{"tokens.error.name_required", "tokens.error.name_long", "tokens.error.scopes_required",
		"tokens.error.scope_refused", "tokens.error.expires"}
}

// tokenRow is one token in the list.
type tokenRow struct {
	ID, Name, Scopes, Created, Expires, LastUsed, LastUsedIP string
	Expired                                                  bool
}

// tokenScopeChoice is one scope checkbox.
type tokenScopeChoice struct {
	Value, Label string
	Checked      bool
}

// tokensData is the .Data of the tokens page.
type tokensData struct {
	Tokens    []tokenRow
	Scopes    []tokenScopeChoice
	Days      []int
	Name      string
	DaysValue int
	NeedsAuth bool // the form asks the user to confirm their password first
	Errors    map[string]string
	Notice    string
}

// HasErrors reports whether the form shows an error.
func (d tokensData) HasErrors() bool { return len(d.Errors) > 0 }

// tokensPage serves GET /account/tokens.
func (u *UI) tokensPage(c *gin.Context) {
	si, ok := u.consoleUser(c, tokensPath)
	if !ok {
		return
	}
	d := tokensData{Notice: u.consoleNotice(c, tokenNotices)}
	u.renderTokens(c, http.StatusOK, si, d, nil)
}

// renderTokens fills in the list and the choices, keeping what the user
// typed (in d) and checked (scopes).
func (u *UI) renderTokens(c *gin.Context, status int, si *signedIn, d tokensData, scopes []string) {
	ctx, lang := c.Request.Context(), u.lang(c)
	cs, err := u.console.ConsoleSettings(ctx)
	if err != nil {
		u.fail(c, "read console settings", err)
		return
	}
	list, err := u.console.PersonalTokens(ctx, si.user.ID)
	if err != nil {
		u.fail(c, "list personal tokens", err)
		return
	}
	now := u.now()
	for _, t := range list {
		d.Tokens = append(d.Tokens, tokenRow{ID: t.ID, Name: t.Name, Scopes: strings.Join(t.Scopes, " "),
			Created: consoleTime(t.CreatedAt), Expires: consoleTime(t.ExpiresAt), LastUsed: consoleTime(t.LastUsedAt),
			LastUsedIP: t.LastUsedIP, Expired: !now.Before(t.ExpiresAt)})
	}
	for _, sc := range account.OfferedTokenScopes(si.user, cs) {
		d.Scopes = append(d.Scopes, tokenScopeChoice{Value: sc, Label: u.bundle.T(lang, "tokens.scope."+strings.ReplaceAll(sc, ":", "_")),
			Checked: slices.Contains(scopes, sc)})
	}
	d.Days = account.OfferedTokenDays(cs)
	if d.DaysValue == 0 {
		d.DaysValue = d.Days[min(1, len(d.Days)-1)]
	}
	d.NeedsAuth = !u.recentlyAuthenticated(si)
	u.Render(c, status, tokensTemplate, d)
}

// tokensCreate serves POST /account/tokens: a new token, shown once.
func (u *UI) tokensCreate(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.consoleUser(c, tokensPath)
	if !ok {
		return
	}
	form := c.Request.PostForm
	in := account.NewToken{Name: truncateUTF8(strings.TrimSpace(form.Get(account.FieldTokenName)), maxTokenNameKept),
		Scopes: form[account.FieldTokenScopes]}
	in.Days, _ = strconv.Atoi(form.Get(account.FieldTokenExpires))
	d := tokensData{Name: in.Name, DaysValue: in.Days}
	if !u.recentlyAuthenticated(si) {
		redirect(c, reauthURL(tokensPath))
		return
	}
	text, tok, err := u.console.CreatePersonalToken(c.Request.Context(), si.user.ID, in, c.ClientIP())
	if errors.Is(err, account.ErrInvalid) {
		d.Errors = u.tokenErrors(c, err)
		u.renderTokens(c, http.StatusUnprocessableEntity, si, d, in.Scopes)
		return
	}
	if err != nil {
		u.fail(c, "create personal token", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	u.Render(c, http.StatusCreated, tokenCreatedTemplate, struct {
		Token, Name, Scopes, Expires string
	}{text, tok.Name, strings.Join(tok.Scopes, " "), consoleTime(tok.ExpiresAt)})
}

// tokenErrors translates the field errors of err.
func (u *UI) tokenErrors(c *gin.Context, err error) map[string]string {
	lang := u.lang(c)
	out := map[string]string{}
	set := func(field, key string) {
		if _, done := out[field]; !done {
			out[field] = u.bundle.T(lang, key)
		}
	}
	for _, name := range []string{account.FieldTokenName, account.FieldTokenScopes, account.FieldTokenExpires} {
		fe := fieldErrorOf(err, name)
		if fe == nil {
			continue
		}
		switch {
		case name == account.FieldTokenName && errors.Is(fe.Reason, account.ErrRequired):
			set(name, "tokens.error.name_required")
		case name == account.FieldTokenName:
			set(name, "tokens.error.name_long")
		case name == account.FieldTokenScopes && errors.Is(fe.Reason, account.ErrRequired):
			set(name, "tokens.error.scopes_required")
		case name == account.FieldTokenScopes:
			set(name, "tokens.error.scope_refused")
		default:
			set(name, "tokens.error.expires")
		}
	}
	return out
}

// tokenRevoke serves POST /account/tokens/{id}/revoke, after a
// confirmation step.
func (u *UI) tokenRevoke(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.consoleUser(c, tokensPath)
	if !ok {
		return
	}
	id := boundedID(c.Param("id"))
	lang := u.lang(c)
	if !u.confirmStep(c, consoleConfirmData{Nav: "tokens", Heading: u.bundle.T(lang, "tokens.revoke.heading"),
		Message: u.bundle.T(lang, "tokens.revoke.message"), Button: u.bundle.T(lang, "tokens.revoke.button"),
		Action: tokensPath + "/" + id + "/revoke", Cancel: tokensPath}) {
		return
	}
	err := u.console.RevokePersonalToken(c.Request.Context(), si.user.ID, id, si.user.ID, c.ClientIP())
	if errors.Is(err, storage.ErrNotFound) {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	if err != nil {
		u.fail(c, "revoke personal token", err)
		return
	}
	redirect(c, tokensPath+"?"+consoleNoticeParam+"=revoked")
}

// reauthData is the .Data of the password confirmation page.
type reauthData struct {
	ReturnTo    string
	Alert       string
	HasPassword bool
}

// HasErrors reports whether the page shows an error.
func (d reauthData) HasErrors() bool { return d.Alert != "" }

// reauthPage serves GET /account/reauth: confirm your password to go on
// to return_to.
func (u *UI) reauthPage(c *gin.Context) {
	returnTo := safeReturnTo(c.Query(returnToParam))
	si, ok := u.consoleUser(c, reauthURL(returnTo))
	if !ok {
		return
	}
	u.Render(c, http.StatusOK, reauthTemplate, reauthData{ReturnTo: returnTo, HasPassword: si.user.PasswordHash != ""})
}

// reauthSubmit serves POST /account/reauth: the password (then the
// second factor, when the user has one) starts a fresh session (a new
// cookie; the old session ends), then the browser goes on.
func (u *UI) reauthSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	returnTo := safeReturnTo(c.Request.PostForm.Get(returnToParam))
	si, ok := u.consoleUser(c, reauthURL(returnTo))
	if !ok {
		return
	}
	d := reauthData{ReturnTo: returnTo, HasPassword: si.user.PasswordHash != ""}
	password := c.Request.PostForm.Get(passwordField)
	if password == "" {
		d.Alert = u.bundle.T(u.lang(c), reauthWrongKey)
		u.Render(c, http.StatusUnprocessableEntity, reauthTemplate, d)
		return
	}
	user, err := u.accounts.Authenticate(c.Request.Context(), si.user.Email, password, c.ClientIP())
	if err != nil {
		p := u.classify(err)
		problem, known := signInProblems[p.Kind]
		if !known {
			u.fail(c, "confirm password", err)
			return
		}
		d.Alert = u.bundle.T(u.lang(c), problem.key)
		if p.Kind == SignInInvalidCredentials {
			d.Alert = u.bundle.T(u.lang(c), reauthWrongKey)
		}
		u.Render(c, problem.status, reauthTemplate, d)
		return
	}
	if user.ID != si.user.ID {
		u.RenderError(c, http.StatusForbidden)
		return
	}
	if u.beginSecondStep(c, user, si.session.Persistent, []string{amrPassword}, "", returnTo) {
		return // with two-step verification on, the code too (/login/mfa)
	}
	if _, ok := u.startSession(c, user, si.session.Persistent, []string{amrPassword}); !ok {
		return
	}
	redirect(c, afterSignIn(returnTo))
}
