package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

// defaultInstanceName is shown when Options.InstanceName is empty.
const defaultInstanceName = "Gatehouse"

// Options configures the hosted pages.
type Options struct {
	// InstanceName is shown in the header, the title and the landing page.
	InstanceName string
	// Bundle holds the message catalogs; nil loads templates.Locales().
	Bundle *i18n.Bundle
	// Logger receives rendering and service failures and refused
	// authorization requests; nil discards them.
	Logger *slog.Logger
	// Dev marks every page with a development-mode notice.
	Dev bool
	// Secure marks the cookies the pages set Secure, with the __Host-
	// prefix; set it when the issuer is https.
	Secure bool

	// The sign-in pages (/login, /logout) are registered only when
	// Accounts is set; /consent and the single sign-on with it only when
	// AuthRequests is set too.

	// Accounts signs users in and keeps browser sessions.
	Accounts Accounts
	// ClassifySignInError sorts the errors of Accounts; required with
	// Accounts.
	ClassifySignInError func(error) SignInProblem
	// SessionLifetime is the Max-Age of a "remember me" session cookie
	// whose session has no ExpiresAt (the cookie otherwise lives as long
	// as its session); zero means DefaultSessionLifetime.
	SessionLifetime time.Duration
	// AuthRequests reads and completes OpenID authorization requests.
	AuthRequests AuthRequests
	// Consents remembers granted scopes; required with AuthRequests.
	Consents Consents
	// WithBrowserBinding stores the browser-binding hash in the request
	// context for the provider's /authorize (BrowserBindingMiddleware);
	// required with AuthRequests.
	WithBrowserBinding func(ctx context.Context, hash []byte) context.Context
	// LogoutCompleteURL, when set, turns the opaque logout_request the
	// provider's end_session passed to /logout into the URL to send the
	// browser to once it has signed out. Without it, or when it fails,
	// /logout shows the signed-out page.
	LogoutCompleteURL func(ctx context.Context, logoutRequest string) (string, error)

	// Registration pages (/register, /verify, /verify/resend, /activate;
	// register.go) are registered when Registration is set; they need
	// Accounts. Captcha, when set, guards their forms.
	Registration Registration
	Captcha      Captcha
	// Invitations, with Registration, lets an invitation's link register
	// its address (/register?invitation=...; register_invite.go).
	Invitations Invitations
	// AdminAccess, with Admin, adds the console's groups and invitations
	// (admin_groups.go).
	AdminAccess AdminAccess
	// DeviceFlow adds the device flow's page (/device; device.go), for a
	// signed-in user.
	DeviceFlow DeviceFlow
	// Passwords, with Registration, adds password reset (/reset...) and
	// the change-password page (/account/password).
	Passwords Passwords
	// Profiles, with Registration, adds the account page (/account,
	// /account/edit, /account/email).
	Profiles Profiles
	// Federation, with Registration, adds sign-in through upstream
	// providers (/federation/..., federation.go) and the linked sign-in
	// methods page (/account/identities), which uses Identities.
	Federation Federation
	Identities LinkedIdentities
	// Admin adds the admin console (/admin..., admin*.go) for users whose
	// role is admin; it needs Accounts.
	Admin Admin
	// SecondFactors, with Profiles, adds two-step verification: the
	// second step at sign-in (/login/mfa) and the security pages
	// (/account/security, /account/totp...; mfa_*.go).
	SecondFactors SecondFactors
	// Console, with Profiles, adds the account console (console*.go):
	// personal tokens, sessions, connected apps, activity, export and
	// deletion, and "new sign-in" letters.
	Console Console
	// Passkeys, with SecondFactors, adds passkeys (/account/passkeys...,
	// /login/passkey; passkeys.go).
	Passkeys Passkeys

	// Branding, when set, gives the pages the administrators' name, logo,
	// favicon, colour and stylesheet, served under /branding/
	// (branding.go); without it they show InstanceName and the built-in
	// look.
	Branding Branding
	// Pages replaces the embedded page templates (templates.Pages()); the
	// server passes templates_dir's overlay (templates.Overlay).
	Pages fs.FS
	// BrandingAdmin, with Admin and Branding, adds the console's branding
	// page (/admin/branding; admin_branding.go).
	BrandingAdmin BrandingAdmin

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultSessionLifetime is the Max-Age of "remember me" cookies when
// Options.SessionLifetime is zero; it matches internal/account's default
// persistent session lifetime.
const DefaultSessionLifetime = 30 * 24 * time.Hour

// UI renders the hosted pages. It is immutable after New and safe for
// concurrent use.
type UI struct {
	instance string
	bundle   *i18n.Bundle
	log      *slog.Logger
	dev      bool
	secure   bool
	assets   assets
	pages    *pageSet

	accounts        Accounts
	classify        func(error) SignInProblem
	sessionLifetime time.Duration
	authRequests    AuthRequests
	consents        Consents
	withBinding     func(context.Context, []byte) context.Context
	logoutComplete  func(context.Context, string) (string, error)
	registration    Registration
	captcha         Captcha
	passwords       Passwords
	profiles        Profiles
	federation      Federation
	identities      LinkedIdentities
	admin           Admin
	mfa             SecondFactors
	console         Console
	invitations     Invitations
	adminAccess     AdminAccess
	passkeys        Passkeys
	deviceFlow      DeviceFlow
	branding        Branding
	brandingAdmin   BrandingAdmin
	now             func() time.Time
}

// sources are the embedded files a UI is built from; tests substitute them.
type sources struct {
	pages  fs.FS
	static fs.FS
}

// New loads the catalogs (unless opts.Bundle is set), indexes the static
// files, reads the page files and parses every page once (pages.go: a
// page's set for a language is built again at its first rendering). Any
// defect in them is an error here rather than on a request.
func New(opts Options) (*UI, error) {
	pages := opts.Pages
	if pages == nil {
		pages = templates.Pages()
	}
	return newUI(opts, sources{pages: pages, static: templates.Static()})
}

func newUI(opts Options, src sources) (*UI, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	u := newFromOptions(opts)
	if u.bundle == nil {
		b, err := i18n.Load(templates.Locales())
		if err != nil {
			return nil, fmt.Errorf("load message catalogs: %w", err)
		}
		u.bundle = b
	}
	if err := u.checkCatalogs(); err != nil {
		return nil, err
	}
	var err error
	if u.assets, err = loadAssets(src.static); err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	if u.pages, err = u.loadPages(src.pages); err != nil {
		return nil, fmt.Errorf("load pages: %w", err)
	}
	return u, nil
}

// validate checks that the sign-in services come with what they need.
func (o Options) validate() error {
	if o.Accounts == nil {
		if o.AuthRequests != nil || o.Registration != nil || o.Passwords != nil || o.Profiles != nil || o.Admin != nil {
			return errors.New("ui options: AuthRequests, Registration, Passwords and Admin need Accounts")
		}
		return nil
	}
	if o.ClassifySignInError == nil {
		return errors.New("ui options: Accounts needs ClassifySignInError")
	}
	if o.SessionLifetime < 0 {
		return errors.New("ui options: negative SessionLifetime")
	}
	if (o.Federation != nil || o.Identities != nil) && (o.Registration == nil || o.Identities == nil) {
		return errors.New("ui options: Federation needs Registration and Identities")
	}
	if o.SecondFactors != nil && o.Profiles == nil {
		return errors.New("ui options: SecondFactors needs Profiles")
	}
	if (o.Passwords != nil || o.Profiles != nil) && o.Registration == nil {
		return errors.New("ui options: Passwords and Profiles need Registration")
	}
	if o.AuthRequests != nil && (o.Consents == nil || o.WithBrowserBinding == nil) {
		return errors.New("ui options: AuthRequests needs Consents and WithBrowserBinding")
	}
	return nil
}

func newFromOptions(opts Options) *UI {
	u := &UI{
		instance:        opts.InstanceName,
		bundle:          opts.Bundle,
		log:             opts.Logger,
		dev:             opts.Dev,
		secure:          opts.Secure,
		accounts:        opts.Accounts,
		classify:        opts.ClassifySignInError,
		sessionLifetime: opts.SessionLifetime,
		authRequests:    opts.AuthRequests,
		consents:        opts.Consents,
		withBinding:     opts.WithBrowserBinding,
		logoutComplete:  opts.LogoutCompleteURL,
		registration:    opts.Registration,
		captcha:         opts.Captcha,
		passwords:       opts.Passwords,
		profiles:        opts.Profiles,
		federation:      opts.Federation,
		identities:      opts.Identities,
		admin:           opts.Admin,
		mfa:             opts.SecondFactors,
		console:         opts.Console,
		invitations:     opts.Invitations,
		adminAccess:     opts.AdminAccess,
		passkeys:        opts.Passkeys,
		deviceFlow:      opts.DeviceFlow,
		branding:        opts.Branding,
		brandingAdmin:   opts.BrandingAdmin,
		now:             opts.Now,
	}
	if u.instance == "" {
		u.instance = defaultInstanceName
	}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	if u.sessionLifetime == 0 {
		u.sessionLifetime = DefaultSessionLifetime
	}
	if u.now == nil {
		u.now = time.Now
	}
	return u
}

// Register adds the routes of the hosted pages to r: the landing page and
// static files always, the sign-in pages when their services are set.
func (u *UI) Register(r gin.IRouter) {
	r.GET("/", u.landing)
	r.HEAD("/", u.landing)
	r.GET(staticRoute, u.serveStatic)
	r.HEAD(staticRoute, u.serveStatic)
	r.GET(brandingRoute, u.serveBranding) // branding.go
	r.HEAD(brandingRoute, u.serveBranding)
	if u.accounts == nil {
		return
	}
	bound := u.BrowserBindingReader()
	r.GET(loginPath, bound, u.loginPage)
	r.POST(loginPath, bound, u.loginSubmit)
	r.GET(logoutPath, u.logoutPage)
	r.POST(logoutPath, u.logoutSubmit)
	u.switchAccountRoutes(r, bound) // switch_account.go
	if u.authRequests != nil {
		r.GET(consentPath, bound, u.consentPage)
		r.POST(consentPath, bound, u.consentSubmit)
	}
	if u.registration != nil {
		u.registerRoutes(r, bound)
		r.POST(passwordCheckPath, u.passwordCheck) // password_check.go
	}
	if u.passwords != nil {
		u.passwordRoutes(r, bound)
	}
	if u.profiles != nil {
		u.accountRoutes(r)
	}
	if u.profiles != nil && u.console != nil {
		u.consoleRoutes(r)
	}
	if u.federation != nil {
		u.federationRoutes(r, bound)
	}
	if u.identities != nil {
		u.identitiesRoutes(r)
	}
	if u.admin != nil {
		u.adminRoutes(r)
	}
	if u.mfa != nil && u.profiles != nil {
		u.mfaRoutes(r, bound)
		if u.passkeys != nil {
			u.passkeyRoutes(r, bound)
		}
	}
	if u.deviceFlow != nil {
		r.GET(devicePath, u.devicePage) // device.go
		r.POST(devicePath, u.deviceSubmit)
	}
}

// checkCatalogs makes sure the keys the Go code builds at run time exist:
// each language's own name, and in English the error, sign-in problem and
// scope messages.
func (u *UI) checkCatalogs() error {
	b := u.bundle
	for _, lang := range b.Supported() {
		if _, ok := b.Message(lang, langNameKey); !ok {
			return fmt.Errorf("catalog %s lacks %q", lang, langNameKey)
		}
	}
	for _, key := range goMessageKeys() {
		if _, ok := b.Message(i18n.Default, key); !ok {
			return fmt.Errorf("catalog %s lacks %q", i18n.Default, key)
		}
	}
	return nil
}

// goMessageKeys lists every catalog key the Go code (rather than a
// template) asks for.
func goMessageKeys() []string {
	keys := errorMessageKeys()
	keys = append(keys, signInMessageKeys()...)
	keys = append(keys, registerMessageKeys()...)
	keys = append(keys, passwordMessageKeys()...)
	keys = append(keys, accountMessageKeys()...)
	keys = append(keys, federationMessageKeys()...)
	keys = append(keys, adminMessageKeys()...)
	keys = append(keys, mfaMessageKeys()...)
	keys = append(keys, consoleMessageKeys()...)
	keys = append(keys, adminAccessMessageKeys()...) // admin_groups.go
	keys = append(keys, passkeyMessageKeys()...)
	keys = append(keys, brandingMessageKeys()...) // admin_branding.go
	return append(keys, scopeMessageKeys()...)
}
