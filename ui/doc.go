// Package ui owns the hosted pages of Gatehouse: gin handlers that render
// the html/template pages embedded in package templates, in the reader's
// language (package i18n).
//
// Routes (Register):
//
//	GET, HEAD /                  landing page: the instance name, "Sign in"
//	                             (/login) and "Create account" (/register,
//	                             unless closed); signed in, the applications
//	                             the user used (landing.go)
//	GET, HEAD /static/*filepath  the files of templates.Static(); with a
//	                             matching ?v= version (as the pages link
//	                             them) cached for a year, immutable
//	GET, HEAD /branding/:file    the branding's files by content hash
//	                             (branding.go; Options.Branding)
//
// With Options.Accounts (sign-in; login.go, session_cookie.go, logout.go):
//
//	GET  /login    the sign-in form (?return_to= a local path); with
//	               ?authRequestID= single sign-on first (sso.go)
//	POST /login    login, password, remember_me, authRequestID, return_to:
//	               a NEW session cookie, then 303 to the application
//	               with its code (the provider's callback for
//	               form_post), /consent, or return_to
//	GET  /logout   "Sign out of <instance>?" (?logout_request= from the
//	               provider's end_session is carried through)
//	POST /logout   ends the session, clears the cookie, then 303 to
//	               Options.LogoutCompleteURL or the signed-out page
//	POST /login/switch  authRequestID or return_to: "Not you? Switch
//	               account" ends the session, then 303 to the sign-in form
//	               of the same request (switch_account.go)
//
// Every page's header names the signed-in user with a menu (Account,
// Administration, Sign out) or offers "Sign in" (viewer.go, added in
// Render); every password field gets "Show password" (show-password.js).
//
// With Options.SecondFactors and Options.Profiles (mfa_signin.go,
// mfa_account.go): two-step verification. A user with an authenticator
// gets no session after the first factor (password, federated sign-in)
// but the encrypted gatehouse_mfa cookie and /login/mfa; before an
// authorization request completes, a session that lacks a second factor
// the request (acr_values=mfa), the client (require_mfa) or the MFA policy
// wants is stepped up or sent to enrolment.
//
//	GET  /login/mfa               the code form (?authRequestID=, ?return_to=)
//	POST /login/mfa               code (TOTP or recovery code), authRequestID,
//	                              return_to: a new session (or the stepped-up
//	                              one), then 303 on; 422 wrong, 429 throttled
//	GET  /account/security        sign-in methods at a glance
//	GET, POST /account/totp       enrolment: QR code, key, otpauth URI; code
//	GET, POST /account/totp/remove  confirmation, then off
//	GET, POST /account/recovery-codes  how many left; new codes shown once
//
// With Options.Passkeys as well (passkeys.go; templates/static/passkeys.js
// drives the ceremonies, the pages work without it):
//
//	POST /account/passkeys/options   JSON registration options (recent sign-in)
//	POST /account/passkeys           JSON {name, credential}: add; 201 {location}
//	GET  /account/passkeys/{id}      rename form, removal confirmation
//	POST /account/passkeys/{id}/rename  name
//	POST /account/passkeys/{id}/remove  recent sign-in; 409 for the last way in
//	POST /login/passkey/options      JSON discoverable sign-in options
//	POST /login/passkey              credential, authRequestID, return_to,
//	                                 remember_me: as a password sign-in
//	POST /login/mfa/passkey/options  JSON options for the second step
//	POST /login/mfa                  passkey (instead of code)
//
// With Options.AuthRequests as well (consent.go, binding.go):
//
//	GET  /consent  ?authRequestID=: the client and its scopes in words
//	POST /consent  action=allow (remember, complete, 303 with the code) or
//	               action=deny (303 to the client with access_denied)
//
// With Options.DeviceFlow (device.go; RFC 8628), for a signed-in user:
//
//	GET  /device   ?user_code=: the code form, or the application and
//	               its scopes with Approve and Deny
//	POST /device   user_code alone: the confirmation; with action=approve
//	               or deny: the outcome; 422 unknown or used code, 429
//	               after too many wrong codes
//
// With Options.Registration as well (register*.go, verify.go, activate.go;
// Options.Captcha guards the forms):
//
//	GET  /register        the configured fields (?authRequestID= keeps the
//	                      application's sign-in), or "registration is
//	                      disabled" in closed mode
//	POST /register        login, email, password, password_confirm,
//	                      given_name, family_name, company, country,
//	                      accept_terms, locale, captcha_id, captcha: 422 with
//	                      a message per field, or "check your email" /
//	                      "awaiting approval", or (no confirmation) a new
//	                      session and 303 on; 403 when closed
//	GET  /verify          ?token=: a Confirm button; a GET never uses a link
//	POST /verify          token, password (registrations made with one):
//	                      confirms and signs in, then 303 to
//	GET  /verify/confirmed  "Your address is confirmed" (verify_confirmed.go)
//	GET  /verify/continue ?authRequestID=: finishes the application's request
//	GET, POST /verify/resend  email, captcha: a new link, the same answer
//	                      for every address
//	GET  /activate        ?token=: the set-password form (profile-first)
//	POST /activate        token, password, password_confirm
//	GET  /captcha/new     a new built-in challenge as JSON for "New image"
//	                      (captcha_endpoints.go; 404 without one, 429 past
//	                      the Captcha's per-address limit)
//	GET  /captcha/audio   ?id=: the challenge's spoken digits, audio/wav
//	GET  /dev/mail        dev mode only (RegisterDevMail): letters, newest first
//	GET  /dev/mail/:id    one letter: text with its links, HTML source
//
// Every form with a captcha takes its POST with ?captcha=new ("New image"
// without JavaScript): the form again as typed, passwords included, with a
// new challenge and nothing checked. A wrong captcha alone keeps the
// passwords too; with any other error they are cleared.
//
// With Options.Admin as well (admin*.go): the admin console, for users
// whose role is admin (anonymous: 303 to /login?return_to=; others: 403 on
// every route). Pages are no-store; destructive actions show a
// confirmation page unless the POST carries confirm=1.
//
//	GET  /admin                      counts: users by state, pending, clients
//	GET  /admin/pending              the pending approvals queue
//	POST /admin/pending              approve=ID, reject=ID, or user=ID... with
//	                                 action=approve|reject; reason; confirm
//	GET  /admin/users                q, state, cursor
//	GET  /admin/users/:id            state, profile, identities, sessions, events
//	POST /admin/users/:id/:action    approve, reject, block, unblock, reset,
//	                                 resend-verification, end-sessions,
//	                                 delete, unlink-identity (identity=ID),
//	                                 revoke-token (token=ID)
//	GET, POST /admin/users/:id/edit  profile, email, email_verified, role
//	                                 (with an AdminUserEditor; admin_user_edit.go)
//	GET, POST /admin/clients/new     a new client; a confidential one's secret
//	                                 is shown once
//	GET  /admin/clients              the clients
//	GET, POST /admin/clients/:id     edit a client; the Integration panel
//	                                 (with AdminEndpoints)
//	POST /admin/clients/:id/secret   confirm: a new secret, shown once
//	POST /admin/clients/:id/delete   confirm: delete the client
//	GET, POST /admin/settings        the instance settings
//	GET, POST /admin/branding        name, colour, logo, favicon, stylesheet
//	                                 (admin_branding.go; Options.BrandingAdmin)
//	GET  /admin/audit                user (id or email), type, since, cursor
//	GET  /admin/audit/export         format=csv|json with the same filters; an
//	                                 attachment; a fresh sign-in (else 303 to
//	                                 /account/reauth)
//
// With Options.Profiles and Options.Console (console*.go): the account
// console, behind the one account navigation (_account_nav.html) of every
// /account page. Destructive actions show a confirmation page unless the
// POST carries confirm=1; creating a token, the export and deletion need a
// sign-in within account.ReauthWindow (else 303 to /account/reauth).
//
//	GET, POST /account/tokens            list; name, scopes, expires_days:
//	                                     the new token shown once (201)
//	POST /account/tokens/:id/revoke      confirm: revoke it
//	GET  /account/sessions               browser and system, IP, started,
//	                                     last active, this device
//	POST /account/sessions/:id/end       confirm: sign that browser out
//	POST /account/sessions/end-others    confirm: every other session
//	GET  /account/apps                   consents and refresh tokens
//	POST /account/apps/:id/remove        confirm: consent and tokens go
//	GET  /account/activity               own audit events, cursor pages
//	GET  /account/export                 JSON download, no secrets
//	GET, POST /account/delete            confirm_login: delete the account
//	GET, POST /account/reauth            password, return_to: a fresh session
//
// RefuseBearerTokens (401 for /account requests with an Authorization
// header) and WithRequestUserAgent (the browser named in audit events) are
// middleware for the route table.
//
// /login?authRequestID= sends a request with prompt=create to /register
// (unless signin=1). Link pages send Referrer-Policy: no-referrer.
//
// Authorization requests are bound to the browser that started them:
// BrowserBindingMiddleware, in front of the provider's /authorize, sets the
// gatehouse_authreq cookie, and /login and /consent refuse (400, no
// redirect) a request whose BrowserHash does not match it. Single sign-on
// honours prompt (none, login, consent, select_account) and max_age; a
// sign-in never adopts a session cookie the browser presented. Redirects
// after a form are 303. Package ui never imports package op: the provider
// comes in through the AuthRequests interface, the account rules through
// Accounts, both adapted by the server.
//
// Middleware and handlers the route table uses directly:
//
//	Locale()     picks the language (?lang=, lang cookie, Accept-Language);
//	             ?lang= also sets the lang cookie for a year
//	NotFound()   the localized 404 page, for gin's NoRoute
//	RenderError  the generic localized error page for any status, for
//	             panic recovery, NoMethod and refused requests
//	RenderUnavailable  the 503 "temporarily unavailable, try again" page
//	             with Retry-After (every page whose request met a database
//	             outage, storage.ErrUnavailable)
//	ProviderErrorPages  middleware for the provider's browser endpoints
//	             (/authorize, its callback, /end_session): an error the
//	             provider answers itself becomes the localized error page
//	             (503 page on a database outage)
//
// Pages. Every templates/pages/<name>.html not starting with "_" is the page
// <name>; the "_" files (the layout, later partials) are shared. The set is
// parsed once per language at New, with the template functions
//
//	t "key" [name value]...  the catalog message in the page's language
//	static "file"            the versioned URL of a static file
//
// A page defines "title" (plain text; the layout appends the instance name)
// and "content" (the inside of <main>). The root value in every template is
// a view: .Lang, .Instance, .Dev, .Languages (the switcher) and .Data, the
// value the handler passed to Render. Keys given to t must be string
// literals; a test checks them against every catalog.
//
// Pages send Cache-Control: no-store, Content-Language and Vary:
// Accept-Language, Cookie. They contain no inline script or style, so they
// work under the strict Content-Security-Policy set by package httpbase,
// and need no JavaScript at all.
package ui
