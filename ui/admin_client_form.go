package ui

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// Grant types and access token formats the client form offers. The rules
// that decide which combinations a client may have live with the
// provider, behind Options.Admin.
var (
	clientGrantTypes = []string{"authorization_code", "refresh_token", "client_credentials",
		"urn:ietf:params:oauth:grant-type:device_code",    // the device flow (issue 18)
		"urn:ietf:params:oauth:grant-type:token-exchange"} // token exchange (issue 18)
	clientFormats = []string{storage.AccessTokenJWT, storage.AccessTokenOpaque}
	// clientFormFields are the fields a ClientProblem may name, in form
	// order; "" is the client as a whole.
	clientFormFields = []string{"id", "id_taken", "redirect_uris", "post_logout_redirect_uris", "grant_types",
		"scopes", "access_token_format", "allowed_groups", "backchannel_logout_uri", "home_url",
		"token_endpoint_auth_method", "jwks", "jwks_uri", "id_token_signed_response_alg", ""}
	// clientAuthMethods are the token_endpoint_auth_method choices; ""
	// is the default (a secret, or none for a public client).
	clientAuthMethods = []string{"", "client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
	// clientIDTokenAlgs are the ID token algorithms a client may ask for;
	// "" is the instance's (issue 18).
	clientIDTokenAlgs   = []string{"", "RS256", "ES256", "EdDSA"}
	defaultClientScopes = []string{"openid", "profile", "email", "offline_access"}
)

// Bounds of what the client form keeps.
const (
	maxClientURIs   = 50
	maxClientScopes = 50
)

// clientInput is the client form as typed.
type clientInput struct {
	New                          bool
	ID, Name                     string
	Public, FirstParty           bool
	RequireMFA                   bool
	RedirectURIs, PostLogoutURIs []string
	GrantTypes, Scopes           []string
	AccessTokenFormat            string
	AllowedGroups                []string
	BackchannelLogoutURI         string
	BackchannelSessionRequired   bool
	AuthMethod, JWKS, JWKSURI    string
	IDTokenAlg                   string // id_token_signed_response_alg (issue 18)
	// Issue 18 items 4 and 8 (checkboxes).
	RequirePAR, TokenExchangeDelegation bool
	HomeURL                             string // home_url (issue 17)
	problems                            []ClientProblem
}

// newClientInput is the form of a new client: the defaults of `gatehouse
// clients create`.
func newClientInput() clientInput {
	return clientInput{New: true, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: slices.Clone(defaultClientScopes), AccessTokenFormat: storage.AccessTokenJWT}
}

// clientInputOf is the form of a stored client.
func clientInputOf(cl storage.Client) clientInput {
	return clientInput{ID: cl.ID, Name: cl.Name, Public: cl.Public, FirstParty: cl.FirstParty, RequireMFA: cl.RequireMFA,
		RedirectURIs: cl.RedirectURIs, PostLogoutURIs: cl.PostLogoutRedirectURIs, GrantTypes: cl.GrantTypes,
		Scopes: cl.Scopes, AccessTokenFormat: cl.AccessTokenFormat, AllowedGroups: cl.AllowedGroups,
		BackchannelLogoutURI: cl.BackchannelLogoutURI, BackchannelSessionRequired: cl.BackchannelLogoutSessionRequired,
		AuthMethod: cl.TokenEndpointAuthMethod, JWKS: cl.JWKS, JWKSURI: cl.JWKSURI,
		IDTokenAlg: cl.IDTokenSignedResponseAlg, RequirePAR: cl.RequirePushedAuthorizationRequests,
		TokenExchangeDelegation: cl.TokenExchangeDelegation, HomeURL: cl.HomeURL}
}

// clientInputFrom reads a POSTed client form.
func clientInputFrom(form url.Values) clientInput {
	keep := func(name string) string { return strings.TrimSpace(truncateUTF8(form.Get(name), maxKeptValue)) }
	in := clientInput{ID: keep("id"), Name: keep("name"), Public: checked(form.Get("public")),
		FirstParty: checked(form.Get("first_party")), RequireMFA: checked(form.Get("require_mfa")), AccessTokenFormat: keep("access_token_format"),
		RedirectURIs:   listOf(form.Get("redirect_uris"), "\n", maxClientURIs),
		PostLogoutURIs: listOf(form.Get("post_logout_redirect_uris"), "\n", maxClientURIs),
		Scopes:         listOf(form.Get("scopes"), "", maxClientScopes),
		AllowedGroups:  listOf(form.Get("allowed_groups"), ",", maxClientScopes),

		BackchannelLogoutURI:       keep("backchannel_logout_uri"),
		BackchannelSessionRequired: checked(form.Get("backchannel_logout_session_required")),
		AuthMethod:                 keep("token_endpoint_auth_method"),
		JWKS:                       strings.TrimSpace(truncateUTF8(form.Get("jwks"), 64*maxKeptValue)),
		JWKSURI:                    keep("jwks_uri"),
		IDTokenAlg:                 keep("id_token_signed_response_alg"),
		RequirePAR:                 checked(form.Get("require_pushed_authorization_requests")),
		TokenExchangeDelegation:    checked(form.Get("token_exchange_delegation")),
		HomeURL:                    keep("home_url"),
	}
	for _, g := range form["grant_types"] {
		if slices.Contains(clientGrantTypes, g) && !slices.Contains(in.GrantTypes, g) {
			in.GrantTypes = append(in.GrantTypes, g)
		}
	}
	return in
}

// listOf splits s at sep (at any white space when sep is ""), trimmed,
// without empty entries, at most max of them.
func listOf(s, sep string, max int) []string {
	s = truncateUTF8(s, 64*maxKeptValue)
	var parts []string
	if sep == "" {
		parts = strings.Fields(s)
	} else {
		parts = strings.Split(normalizeNewlines(s), sep)
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && len(out) < max {
			out = append(out, p)
		}
	}
	return out
}

// client applies the form to base (a stored client, or empty for a new
// one), keeping what the form does not show.
func (in clientInput) client(base storage.Client) storage.Client {
	c := base
	if in.New {
		c.ID, c.Public = in.ID, in.Public
	}
	c.Name = in.Name
	if c.Name == "" {
		c.Name = c.ID
	}
	c.FirstParty = in.FirstParty
	c.RequireMFA = in.RequireMFA
	c.RedirectURIs = slices.Clone(in.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(in.PostLogoutURIs)
	c.GrantTypes = slices.Clone(in.GrantTypes)
	c.Scopes = slices.Clone(in.Scopes)
	c.AccessTokenFormat = in.AccessTokenFormat
	c.AllowedGroups = slices.Clone(in.AllowedGroups)
	c.BackchannelLogoutURI = in.BackchannelLogoutURI
	c.BackchannelLogoutSessionRequired = in.BackchannelSessionRequired
	c.TokenEndpointAuthMethod, c.JWKS, c.JWKSURI = in.AuthMethod, in.JWKS, in.JWKSURI
	c.IDTokenSignedResponseAlg = in.IDTokenAlg
	c.RequirePushedAuthorizationRequests, c.TokenExchangeDelegation = in.RequirePAR, in.TokenExchangeDelegation
	c.HomeURL = in.HomeURL
	return c
}

// adminClientForm is the .Data of the client form.
type adminClientForm struct {
	adminNav
	New            bool
	ID, Name       string
	Public         bool
	FirstParty     bool
	RequireMFA     bool
	RedirectURIs   string // one per line
	HomeURL        string // home_url: the users' launch link (issue 17)
	PostLogoutURIs string
	Scopes         string // space-separated
	AllowedGroups  string // comma-separated
	// Back-channel logout (issue 18).
	BackchannelLogoutURI       string
	BackchannelSessionRequired bool
	// Client authentication (issue 18).
	AuthMethods   []choice
	JWKS, JWKSURI string
	Grants        []choice
	Formats       []choice
	IDTokenAlgs   []choice // id_token_signed_response_alg; "" is the instance's
	// Issue 18 items 4 and 8.
	RequirePAR, TokenExchangeDelegation bool
	// Integration is the panel of an existing client's URLs and example
	// configurations (admin_client_integration.go); nil on a new one.
	Integration *integrationView
	// Errors holds the translated message of each refused field, by form
	// field name; "" is the form as a whole.
	Errors map[string]string
}

// choice is one checkbox or option of a form.
type choice struct {
	Value, Label string
	Checked      bool
}

// HasErrors reports whether the form shows an error.
func (f adminClientForm) HasErrors() bool { return len(f.Errors) > 0 || f.Alert != "" }

// renderClientForm shows the form of in with its problems; nav, when not
// nil, adds a notice or alert.
func (u *UI) renderClientForm(c *gin.Context, status int, in clientInput, nav *adminNav) {
	lang := u.lang(c)
	f := adminClientForm{adminNav: adminNav{Nav: "clients"}, New: in.New, ID: in.ID, Name: in.Name, Public: in.Public,
		FirstParty: in.FirstParty, RequireMFA: in.RequireMFA, RedirectURIs: strings.Join(in.RedirectURIs, "\n"),
		PostLogoutURIs: strings.Join(in.PostLogoutURIs, "\n"), Scopes: strings.Join(in.Scopes, " "),
		AllowedGroups: strings.Join(in.AllowedGroups, ", "), BackchannelLogoutURI: in.BackchannelLogoutURI,
		BackchannelSessionRequired: in.BackchannelSessionRequired, JWKS: in.JWKS, JWKSURI: in.JWKSURI,
		RequirePAR: in.RequirePAR, TokenExchangeDelegation: in.TokenExchangeDelegation, HomeURL: in.HomeURL}
	for _, m := range clientAuthMethods {
		f.AuthMethods = append(f.AuthMethods, choice{Value: m, Label: u.bundle.T(lang, "clientauth.method."+m), Checked: in.AuthMethod == m})
	}
	if nav != nil {
		f.Notice, f.Alert = nav.Notice, nav.Alert
	}
	for _, g := range clientGrantTypes {
		f.Grants = append(f.Grants, choice{Value: g, Label: u.bundle.T(lang, "admin.clients.grant."+g),
			Checked: slices.Contains(in.GrantTypes, g)})
	}
	for _, format := range clientFormats {
		f.Formats = append(f.Formats, choice{Value: format, Label: u.bundle.T(lang, "admin.clients.format."+format),
			Checked: in.AccessTokenFormat == format})
	}
	for _, alg := range clientIDTokenAlgs {
		label := alg
		if alg == "" {
			label = u.bundle.T(lang, "protocol.client.id_token_alg.default")
		}
		f.IDTokenAlgs = append(f.IDTokenAlgs, choice{Value: alg, Label: label, Checked: in.IDTokenAlg == alg})
	}
	f.Errors = u.clientErrors(lang, in.problems)
	f.Integration = u.integration(lang, in)
	u.Render(c, status, adminClientTemplate, f)
}

// clientErrors translates problems into one message per field, naming the
// refused entries.
func (u *UI) clientErrors(lang string, problems []ClientProblem) map[string]string {
	if len(problems) == 0 {
		return nil
	}
	values := map[string][]string{}
	for _, p := range problems {
		field := p.Field
		if !slices.Contains(clientFormFields, field) {
			field = ""
		}
		if _, ok := values[field]; !ok {
			values[field] = nil
		}
		if p.Value != "" && !slices.Contains(values[field], p.Value) {
			values[field] = append(values[field], p.Value)
		}
	}
	out := map[string]string{}
	for field, vals := range values {
		msg := u.bundle.T(lang, clientErrorKey(field), "value", strings.Join(vals, ", "))
		if field == "id_taken" {
			field = "id"
		}
		out[field] = msg
	}
	return out
}

// clientErrorKey is the catalog key of a refused field.
func clientErrorKey(field string) string {
	if field == "" {
		return "admin.clients.error.client"
	}
	if field == "id_token_signed_response_alg" {
		return "protocol.client.error.id_token_alg"
	}
	return "admin.clients.error." + field
}

func clientFormMessageKeys() []string {
	keys := []string{"admin.clients.notice.saved", "protocol.client.id_token_alg", "protocol.client.id_token_alg.default",
		"protocol.client.id_token_alg_help"}
	for _, f := range clientFormFields {
		keys = append(keys, clientErrorKey(f))
	}
	keys = append(keys, integrationMessageKeys()...)
	for _, g := range clientGrantTypes {
		keys = append(keys, "admin.clients.grant."+g)
	}
	for _, f := range clientFormats {
		keys = append(keys, "admin.clients.format."+f)
	}
	return keys
}
