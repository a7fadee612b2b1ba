package ui

import (
	"errors"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// registerForm is the .Data of the registration page: what the user typed
// (never the captcha answer; the passwords only when the captcha was the
// one thing wrong, keepPasswords) and what went wrong.
type registerForm struct {
	AuthRequestID string // hidden; the application sign-in the user came from
	ClientName    string // that application, when the request is still valid
	Alert         string // translated message about the whole attempt
	Captcha       any    // the "captcha" partial's value; nil without a captcha
	CaptchaFailed bool   // the previous answer did not pass
	// FederationURL is the provider sign-up page (federation_signup.go);
	// empty without providers.
	FederationURL string
	// FederationNames names the providers ("GitHub or Google").
	FederationNames string
	// Audit: accounts wait for an administrator's approval (mode audit).
	Audit bool

	values map[string]string // typed values by field name (checkbox: "1")
	errs   map[string]string // translated error by field name
	fields []formField       // built just before rendering
}

// Fields are the form's fields in order, ready to render.
func (f registerForm) Fields() []formField { return f.fields }

// HasErrors reports whether the page shows any error; the title then says so.
func (f registerForm) HasErrors() bool { return f.Alert != "" || len(f.errs) > 0 || f.CaptchaFailed }

// SignInURL is the sign-in page, for "I already have an account".
func (f registerForm) SignInURL() string {
	if f.AuthRequestID == "" {
		return loginPath
	}
	return loginPath + "?" + url.Values{authRequestParam: {f.AuthRequestID}, signInParam: {"1"}}.Encode()
}

// formField is one field of the registration form, ready to render.
type formField struct {
	Name         string // the form field's name, also its id
	Kind         string // text, email, password, select or checkbox
	Label        string // translated
	Help         string // translated; may be empty
	Error        string // translated; empty when the field is fine
	Value        string // what was typed (a password only as keepPasswords allows)
	Checked      bool   // checkbox
	Required     bool
	Autocomplete string
	MaxLength    int // 0: no limit in the page
	Options      []fieldOption
	TermsURL     string        // accept_terms: the user agreement
	Live         *passwordLive // password: the live policy check
}

// fieldOption is one choice of a select.
type fieldOption struct {
	Value, Label string
	Selected     bool
}

// Describedby lists the ids of the field's help and error, for
// aria-describedby.
func (f formField) Describedby() string {
	ids := ""
	if f.Help != "" {
		ids = f.Name + "-help"
	}
	if f.Error != "" {
		if ids != "" {
			ids += " "
		}
		ids += f.Name + "-error"
	}
	return ids
}

// newRegisterForm is an empty form, for the authorization request ar when
// it is valid.
func (u *UI) newRegisterForm(c *gin.Context, rs account.RegistrationSettings, ar *AuthRequestView) registerForm {
	f := registerForm{values: map[string]string{}, errs: map[string]string{}}
	if ar != nil {
		f.AuthRequestID, f.ClientName = ar.ID, clientName(*ar)
		f.values[account.FieldEmail] = ar.LoginHint
	}
	if rs.Has(account.FieldLocale) {
		f.values[account.FieldLocale] = u.lang(c)
	}
	return f
}

// read takes the typed values from a POSTed form into f (all but the
// passwords) and returns the input for the account rules.
func (f *registerForm) read(form url.Values) account.RegistrationInput {
	in := account.RegistrationInput{
		Login: form.Get(account.FieldLogin), Email: form.Get(account.FieldEmail),
		Password: form.Get(account.FieldPassword), PasswordConfirm: form.Get(account.FieldPasswordConfirm),
		GivenName: form.Get(account.FieldGivenName), FamilyName: form.Get(account.FieldFamilyName),
		Company: form.Get(account.FieldCompany), Country: form.Get(account.FieldCountry),
		Locale: form.Get(account.FieldLocale), AcceptTerms: checked(form.Get(account.FieldAcceptTerms)),
	}
	for _, name := range account.RegistrationFieldNames() {
		if name != account.FieldPassword && name != account.FieldPasswordConfirm {
			f.values[name] = truncateUTF8(form.Get(name), maxKeptValue)
		}
	}
	if in.AcceptTerms {
		f.values[account.FieldAcceptTerms] = "1"
	}
	return in
}

// keepPasswords writes the typed passwords back into the form: only when
// nothing but the captcha stood in the way (a wrong answer, or "New
// image" without JavaScript). The page is no-store, like every page.
func (f *registerForm) keepPasswords(form url.Values) {
	for _, name := range []string{account.FieldPassword, account.FieldPasswordConfirm} {
		if v := form.Get(name); v != "" && len(v) <= maxKeptValue {
			f.values[name] = v
		}
	}
}

// maxKeptValue bounds what a re-rendered form writes back per field.
const maxKeptValue = 1024

// setErrors translates the account rules' field errors into f.
func (f *registerForm) setErrors(u *UI, lang string, policy account.PasswordPolicy, err error) {
	re, ok := errors.AsType[*account.RegistrationError](err)
	if !ok {
		if err != nil {
			f.Alert = u.bundle.T(lang, "register.error.alert")
		}
		return
	}
	for _, fe := range re.Fields {
		f.errs[fe.Field] = u.fieldMessage(lang, fe, policy)
	}
}

// userWithID is enough of a user to start a session and continue an
// authorization request.
func userWithID(id string) storage.User { return storage.User{ID: id} }

// optionalAuthRequest returns the authorization request id names when it
// is still valid and was started by this browser, and nil otherwise:
// registration goes on without it (the user simply does not return to the
// application). ok is false only on a failure, after the 500 page.
func (u *UI) optionalAuthRequest(c *gin.Context, id string) (*AuthRequestView, bool) {
	if u.authRequests == nil || id == "" || len(id) > maxIDLength {
		return nil, true
	}
	ar, err := u.authRequests.Get(c.Request.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, true
	}
	if err != nil {
		u.fail(c, "read authorization request", err)
		return nil, false
	}
	if !u.boundToBrowser(c, ar) {
		return nil, true
	}
	allowFormRedirect(c, ar.RedirectURI)
	return &ar, true
}

// checkCaptcha verifies the submitted captcha when one is enabled. It
// returns the user's failure (to show), or ok false after rendering the
// 500 page on a failure of the service.
func (u *UI) checkCaptcha(c *gin.Context) (failure error, ok bool) {
	ctx := c.Request.Context()
	if u.captcha == nil || !u.captcha.Enabled(ctx) {
		return nil, true
	}
	err := u.captcha.Verify(ctx, c.Request.PostForm, c.ClientIP())
	switch {
	case err == nil:
		return nil, true
	case errors.Is(err, ErrCaptchaFailed):
		return err, true
	}
	u.fail(c, "verify captcha", err)
	return nil, false
}

// captchaView returns the captcha partial's value for a form on page (nil
// without a captcha) and allows the widget's sources in the page's CSP.
func (u *UI) captchaView(c *gin.Context, page *url.URL, verr error) (any, bool) {
	ctx := c.Request.Context()
	if u.captcha == nil || !u.captcha.Enabled(ctx) {
		return nil, true
	}
	view, err := u.captcha.View(ctx, page, verr)
	if err != nil {
		u.fail(c, "new captcha", err)
		return nil, false
	}
	allowCaptchaSources(c, u.captcha.CSP())
	return view, true
}
