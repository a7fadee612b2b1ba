package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// The account page and its forms.
const (
	accountPath            = "/account"
	accountEditPath        = "/account/edit"
	accountEmailPath       = account.PathEmailChange
	accountTemplate        = "account"
	accountEditTemplate    = "account_edit"
	accountEmailTemplate   = "account_email"
	accountConflictKey     = "account.error.conflict"
	accountNoticeParam     = "notice"
	appCookie              = "gatehouse_app" // the client the user last signed in to
	appCookieAge           = 30 * 24 * 60 * 60
	maxVersionParam        = 20
	accountNoticeSaved     = "saved"
	accountNoticeEmailSent = "email_sent"
)

// Profiles is what the account page needs: the account rules
// (*account.Registrar) and, from the server, the user's linked identities
// and where the applications live.
type Profiles interface {
	UpdateProfile(ctx context.Context, userID string, in account.ProfileInput, ip string) (account.ProfileOutcome, error)
	PeekEmailChange(ctx context.Context, token string) (account.LinkInfo, error)
	ConfirmEmailChange(ctx context.Context, token, ip string) (storage.User, error)
	Languages() []string
	// Identities lists the user's linked external identities.
	Identities(ctx context.Context, userID string) ([]storage.Identity, error)
	// ClientHome is the name and home page (the origin of its first web
	// redirect URI) of a registered client; ok is false when there is
	// none, so the page shows no link.
	ClientHome(ctx context.Context, clientID string) (name, home string, ok bool, err error)
}

// accountRoutes adds the account page.
func (u *UI) accountRoutes(r gin.IRouter) {
	r.GET(accountPath, u.accountPage)
	r.GET(accountEditPath, u.accountEditPage)
	r.POST(accountEditPath, u.accountEditSubmit)
	r.GET(accountEmailPath, u.accountEmailPage)
	r.POST(accountEmailPath, u.accountEmailSubmit)
}

// accountView is the .Data of the account page.
type accountView struct {
	User        storage.User
	CountryName string
	LocaleName  string
	Created     string // YYYY-MM-DD
	Identities  []identityView
	Notice      string // "saved", "email_sent" or ""
	AppName     string
	AppURL      string
}

// identityView is one linked sign-in method.
type identityView struct {
	ID, Provider, Email, Linked, LastUsed string
}

// accountUser returns the signed-in user for an account page, or sends the
// browser to sign in (or, after a temporary password, to change it).
func (u *UI) accountUser(c *gin.Context, returnTo string) (*signedIn, bool) {
	c.Header("Cache-Control", "no-store")
	si, ok := u.requireSignedIn(c, returnTo)
	if !ok {
		return nil, false
	}
	if si.user.PasswordChangeRequired {
		redirect(c, changePasswordPath)
		return nil, false
	}
	return si, true
}

// accountPage serves GET /account.
func (u *UI) accountPage(c *gin.Context) {
	si, ok := u.accountUser(c, accountPath)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	lang := u.lang(c)
	ids, err := u.profiles.Identities(ctx, si.user.ID)
	if err != nil {
		u.fail(c, "list identities", err)
		return
	}
	v := accountView{
		User: si.user, Created: si.user.CreatedAt.UTC().Format("2006-01-02"),
		CountryName: countryName(lang, si.user.Country), LocaleName: u.languageName(si.user.Locale),
	}
	if n := c.Query(accountNoticeParam); n == accountNoticeSaved || n == accountNoticeEmailSent {
		v.Notice = n
	}
	for _, id := range ids {
		iv := identityView{ID: id.ID, Provider: u.providerName(id.Provider), Email: id.Email, Linked: id.CreatedAt.UTC().Format("2006-01-02")}
		if !id.LastUsedAt.IsZero() {
			iv.LastUsed = id.LastUsedAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		v.Identities = append(v.Identities, iv)
	}
	if clientID := cookieValue(c, u.cookieName(appCookie)); clientID != "" {
		name, home, ok, err := u.profiles.ClientHome(ctx, clientID)
		if err != nil {
			u.log.WarnContext(ctx, "look up the application for the account page", u.logAttrs(c, err)...)
		} else if ok {
			v.AppName, v.AppURL = name, home
		}
	}
	u.Render(c, http.StatusOK, accountTemplate, v)
}

// countryName is the name of country code in lang, or the code.
func countryName(lang, code string) string {
	for _, ct := range account.Countries(lang) {
		if ct.Code == code {
			return ct.Name
		}
	}
	return code
}

// languageName is the name of a supported language in itself, or code.
func (u *UI) languageName(code string) string {
	if code == "" {
		return ""
	}
	if name, ok := u.bundle.Message(code, langNameKey); ok {
		return name
	}
	return code
}

// rememberApp notes, for the account page's "back to" link, the client the
// browser just signed in to.
func (u *UI) rememberApp(c *gin.Context, clientID string) {
	if u.profiles == nil || clientID == "" || len(clientID) > maxCookieSecret {
		return
	}
	http.SetCookie(c.Writer, u.newCookie(appCookie, clientID, appCookieAge))
}

// accountEditForm is the .Data of the edit page: what was typed, and the
// translated error of each field.
type accountEditForm struct {
	Fields  []formField
	Version string
	Alert   string
}

// HasErrors reports whether the form shows an error.
func (f accountEditForm) HasErrors() bool {
	return f.Alert != "" || slices.ContainsFunc(f.Fields, func(ff formField) bool { return ff.Error != "" })
}

// accountFields are the edit form's fields, in order.
var accountFields = []string{
	account.FieldLogin, account.FieldEmail, account.FieldGivenName, account.FieldFamilyName,
	account.FieldCompany, account.FieldCountry, account.FieldLocale,
}

// accountEditPage serves GET /account/edit: the form filled from the
// profile.
func (u *UI) accountEditPage(c *gin.Context) {
	si, ok := u.accountUser(c, accountEditPath)
	if !ok {
		return
	}
	in := profileInput(si.user)
	u.renderAccountEdit(c, http.StatusOK, in, nil, "")
}

func profileInput(usr storage.User) account.ProfileInput {
	return account.ProfileInput{
		Login: usr.Username, Email: usr.Email, GivenName: usr.GivenName, FamilyName: usr.FamilyName,
		Company: usr.Company, Country: usr.Country, Locale: usr.Locale, Version: account.ProfileVersion(usr),
	}
}

// accountEditSubmit serves POST /account/edit.
func (u *UI) accountEditSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	si, ok := u.accountUser(c, accountEditPath)
	if !ok {
		return
	}
	form := c.Request.PostForm
	keep := func(name string) string { return truncateUTF8(form.Get(name), maxKeptValue) }
	in := account.ProfileInput{
		Login: keep(account.FieldLogin), Email: keep(account.FieldEmail), GivenName: keep(account.FieldGivenName),
		FamilyName: keep(account.FieldFamilyName), Company: keep(account.FieldCompany),
		Country: keep(account.FieldCountry), Locale: keep(account.FieldLocale),
	}
	if v := form.Get("version"); len(v) <= maxVersionParam {
		in.Version, _ = strconv.ParseInt(v, 10, 64)
	}
	out, err := u.profiles.UpdateProfile(c.Request.Context(), si.user.ID, in, c.ClientIP())
	switch {
	case errors.Is(err, storage.ErrConflict):
		fresh := profileInput(si.user)
		in.Version = fresh.Version
		u.renderAccountEdit(c, http.StatusConflict, in, nil, u.bundle.T(u.lang(c), accountConflictKey))
		return
	case errors.Is(err, account.ErrInvalid):
		u.renderAccountEdit(c, http.StatusUnprocessableEntity, in, err, "")
		return
	case err != nil:
		u.fail(c, "save profile", err)
		return
	}
	if out.User.Locale != "" && out.User.Locale != u.lang(c) {
		u.setLangCookie(c, out.User.Locale)
	}
	notice := accountNoticeSaved
	if out.EmailChangeSent != "" {
		notice = accountNoticeEmailSent
	}
	redirect(c, accountPath+"?"+url.Values{accountNoticeParam: {notice}}.Encode())
}

// renderAccountEdit shows the edit form with in and the field errors of
// err.
func (u *UI) renderAccountEdit(c *gin.Context, status int, in account.ProfileInput, err error, alert string) {
	lang := u.lang(c)
	values := map[string]string{
		account.FieldLogin: in.Login, account.FieldEmail: in.Email, account.FieldGivenName: in.GivenName,
		account.FieldFamilyName: in.FamilyName, account.FieldCompany: in.Company,
		account.FieldCountry: in.Country, account.FieldLocale: in.Locale,
	}
	f := accountEditForm{Version: strconv.FormatInt(in.Version, 10), Alert: alert}
	for _, name := range accountFields {
		spec := registerFieldSpecs[name]
		ff := formField{
			Name: name, Kind: spec.kind, Label: u.bundle.T(lang, spec.label), Value: values[name],
			Autocomplete: spec.autocomplete, MaxLength: spec.maxLength, Required: name == account.FieldEmail,
		}
		if fe := fieldErrorOf(err, name); fe != nil {
			ff.Error = u.bundle.T(lang, fieldErrorKey(name, fe.Reason))
		}
		u.completeField(lang, account.RegistrationSettings{}, &ff)
		f.Fields = append(f.Fields, ff)
	}
	u.Render(c, status, accountEditTemplate, f)
}

// accountEmailData is the .Data of the email change confirmation page.
type accountEmailData struct {
	Token string
	Email string
	// Kind: "confirm" (the button), "changed", "taken", or a link
	// problem: "expired", "used", "unknown".
	Kind string
}

// accountEmailPage serves GET /account/email?token=: the Confirm button.
// A GET never uses the link.
func (u *UI) accountEmailPage(c *gin.Context) {
	resetHeaders(c)
	token := c.Query(tokenParam)
	info, err := u.profiles.PeekEmailChange(c.Request.Context(), token)
	if err != nil {
		u.fail(c, "read email change link", err)
		return
	}
	d := accountEmailData{Token: token, Email: info.Email, Kind: "confirm"}
	status := http.StatusOK
	if info.State != account.LinkValid {
		d.Kind, status = linkKind(info.State)
		d.Token = ""
	}
	u.Render(c, status, accountEmailTemplate, d)
}

// linkKind is the page kind and status of a link that does not work.
func linkKind(s account.LinkState) (string, int) {
	switch s {
	case account.LinkExpired:
		return resultExpired, http.StatusGone
	case account.LinkUsed:
		return resultUsed, http.StatusGone
	}
	return resultUnknown, http.StatusBadRequest
}

// accountEmailSubmit serves POST /account/email: the new address becomes
// the account's.
func (u *UI) accountEmailSubmit(c *gin.Context) {
	resetHeaders(c)
	if !u.parseForm(c) {
		return
	}
	usr, err := u.profiles.ConfirmEmailChange(c.Request.Context(), c.Request.PostForm.Get(tokenParam), c.ClientIP())
	d := accountEmailData{Kind: "changed", Email: usr.Email}
	status := http.StatusOK
	switch {
	case err == nil:
	case errors.Is(err, account.ErrEmailTaken):
		d.Kind, status = "taken", http.StatusConflict
	case errors.Is(err, account.ErrLinkExpired):
		d.Kind, status = linkKind(account.LinkExpired)
	case errors.Is(err, account.ErrLinkUsed):
		d.Kind, status = linkKind(account.LinkUsed)
	case errors.Is(err, account.ErrLinkInvalid):
		d.Kind, status = linkKind(account.LinkUnknown)
	default:
		u.fail(c, "confirm email change", err)
		return
	}
	u.Render(c, status, accountEmailTemplate, d)
}

// accountMessageKeys lists the catalog keys the account page builds in Go.
func accountMessageKeys() []string { return []string{accountConflictKey} }
