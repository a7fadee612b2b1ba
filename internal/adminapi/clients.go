package adminapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// clientJSON is a client as the API shows it; the secret only once, when
// created or rotated.
type clientJSON struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Public                 bool      `json:"public"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	GrantTypes             []string  `json:"grant_types"`
	Scopes                 []string  `json:"scopes"`
	FirstParty             bool      `json:"first_party"`
	AccessTokenFormat      string    `json:"access_token_format"`
	Dev                    bool      `json:"dev"`
	Admin                  bool      `json:"admin"`
	RequireMFA             bool      `json:"require_mfa"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
	Secret                 string    `json:"secret,omitempty"`
	AllowedGroups          []string  `json:"allowed_groups"`
	// Back-channel logout (issue 18).
	BackchannelLogoutURI             string `json:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired bool   `json:"backchannel_logout_session_required"`
	// Client authentication (issue 18): jwks is the JSON key set itself.
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                 string          `json:"jwks_uri"`
	// IDTokenSignedResponseAlg: "" is the instance's algorithm (issue 18).
	IDTokenSignedResponseAlg string `json:"id_token_signed_response_alg"`
	// Issue 18 items 4 and 8.
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests"`
	TokenExchangeDelegation            bool `json:"token_exchange_delegation"`
	// HomeURL is where the users' list of applications links (issue 17).
	HomeURL string `json:"home_url"`
}

func toClientJSON(c storage.Client) clientJSON {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return clientJSON{ID: c.ID, Name: c.Name, Public: c.Public, RedirectURIs: nz(c.RedirectURIs),
		PostLogoutRedirectURIs: nz(c.PostLogoutRedirectURIs), GrantTypes: nz(c.GrantTypes), Scopes: nz(c.Scopes),
		FirstParty: c.FirstParty, AccessTokenFormat: c.AccessTokenFormat, Dev: c.Dev, Admin: c.Admin,
		RequireMFA: c.RequireMFA, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		AllowedGroups: nz(c.AllowedGroups), BackchannelLogoutURI: c.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		TokenEndpointAuthMethod:          authMethodOf(c), JWKS: rawJWKS(c.JWKS), JWKSURI: c.JWKSURI,
		IDTokenSignedResponseAlg:           c.IDTokenSignedResponseAlg,
		RequirePushedAuthorizationRequests: c.RequirePushedAuthorizationRequests,
		TokenExchangeDelegation:            c.TokenExchangeDelegation, HomeURL: c.HomeURL}
}

// clientInJSON is the body of POST and PATCH /clients.
type clientInJSON struct {
	ID                     *string   `json:"id"`
	Name                   *string   `json:"name"`
	Public                 *bool     `json:"public"`
	RedirectURIs           *[]string `json:"redirect_uris"`
	PostLogoutRedirectURIs *[]string `json:"post_logout_redirect_uris"`
	GrantTypes             *[]string `json:"grant_types"`
	Scopes                 *[]string `json:"scopes"`
	FirstParty             *bool     `json:"first_party"`
	AccessTokenFormat      *string   `json:"access_token_format"`
	Dev                    *bool     `json:"dev"`
	Admin                  *bool     `json:"admin"`
	RequireMFA             *bool     `json:"require_mfa"`
	AllowedGroups          *[]string `json:"allowed_groups"`
	// Back-channel logout (issue 18).
	BackchannelLogoutURI             *string          `json:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired *bool            `json:"backchannel_logout_session_required"`
	TokenEndpointAuthMethod          *string          `json:"token_endpoint_auth_method"`
	JWKS                             *json.RawMessage `json:"jwks"`
	JWKSURI                          *string          `json:"jwks_uri"`
	// IDTokenSignedResponseAlg (issue 18).
	IDTokenSignedResponseAlg *string `json:"id_token_signed_response_alg"`
	// Issue 18 items 4 and 8; require_par is the short name of
	// require_pushed_authorization_requests (the long one wins when both
	// are sent).
	RequirePushedAuthorizationRequests *bool `json:"require_pushed_authorization_requests"`
	RequirePAR                         *bool `json:"require_par"`
	TokenExchangeDelegation            *bool `json:"token_exchange_delegation"`
	// HomeURL (issue 17).
	HomeURL *string `json:"home_url"`
}

var clientFields = []string{"id", "name", "public", "redirect_uris", "post_logout_redirect_uris", "grant_types", "scopes",
	"first_party", "access_token_format", "dev", "admin", "require_mfa",
	"allowed_groups", "backchannel_logout_uri", "backchannel_logout_session_required",
	"token_endpoint_auth_method", "jwks", "jwks_uri", "id_token_signed_response_alg",
	"require_pushed_authorization_requests", "require_par", "token_exchange_delegation", "home_url"}

// apply copies the set fields onto c (all but the id).
func (in clientInJSON) apply(c *storage.Client) {
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setB := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setL := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = append([]string(nil), *v...)
		}
	}
	setS(&c.Name, in.Name)
	setB(&c.Public, in.Public)
	setL(&c.RedirectURIs, in.RedirectURIs)
	setL(&c.PostLogoutRedirectURIs, in.PostLogoutRedirectURIs)
	setL(&c.GrantTypes, in.GrantTypes)
	setL(&c.Scopes, in.Scopes)
	setB(&c.FirstParty, in.FirstParty)
	setS(&c.AccessTokenFormat, in.AccessTokenFormat)
	setB(&c.Dev, in.Dev)
	setB(&c.Admin, in.Admin)
	setB(&c.RequireMFA, in.RequireMFA)
	setL(&c.AllowedGroups, in.AllowedGroups)
	setS(&c.BackchannelLogoutURI, in.BackchannelLogoutURI)
	setB(&c.BackchannelLogoutSessionRequired, in.BackchannelLogoutSessionRequired)
	setS(&c.TokenEndpointAuthMethod, in.TokenEndpointAuthMethod)
	setS(&c.JWKSURI, in.JWKSURI)
	setS(&c.IDTokenSignedResponseAlg, in.IDTokenSignedResponseAlg)
	setB(&c.RequirePushedAuthorizationRequests, in.RequirePAR)
	setB(&c.RequirePushedAuthorizationRequests, in.RequirePushedAuthorizationRequests)
	setB(&c.TokenExchangeDelegation, in.TokenExchangeDelegation)
	setS(&c.HomeURL, in.HomeURL)
	if in.JWKS != nil {
		c.JWKS = ""
		if s := string(*in.JWKS); s != "null" {
			c.JWKS = s
		}
	}
}

// authMethodOf is the client's token endpoint auth method as registered,
// or what it means when none was: none for public clients, else
// client_secret_basic.
func authMethodOf(c storage.Client) string {
	switch {
	case c.TokenEndpointAuthMethod != "":
		return c.TokenEndpointAuthMethod
	case c.Public:
		return "none"
	}
	return "client_secret_basic"
}

// rawJWKS is the stored key set as JSON, nil when none.
func rawJWKS(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

func (a *API) listClients(c *gin.Context) {
	cursor, limit, ok := pageParams(c)
	if !ok {
		return
	}
	page, err := a.clients.List(c.Request.Context(), cursor, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]clientJSON, 0, len(page.Items))
	for _, cl := range page.Items {
		items = append(items, toClientJSON(cl))
	}
	writeList(c, items, page.Next)
}

func (a *API) getClient(c *gin.Context) {
	cl, err := a.clients.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toClientJSON(cl))
}

// createClient registers a client with the defaults of `gatehouse clients
// create`; a confidential client's secret is generated and returned once.
func (a *API) createClient(c *gin.Context) {
	var in clientInJSON
	if !decodeBody(c, &in, clientFields, false) {
		return
	}
	if in.ID == nil || *in.ID == "" {
		invalid(c, "a field is invalid", FieldProblem{Field: "id", Detail: "required"})
		return
	}
	cl := storage.Client{ID: *in.ID, GrantTypes: a.clients.DefaultGrantTypes(), AccessTokenFormat: storage.AccessTokenJWT}
	in.apply(&cl)
	if in.Scopes == nil {
		cl.Scopes = a.clients.DefaultScopes(cl.GrantTypes)
	}
	if cl.Name == "" {
		cl.Name = cl.ID
	}
	if cl.Admin && !slices.Contains(cl.Scopes, Scope) {
		cl.Scopes = append(cl.Scopes, Scope)
	}
	secret := ""
	if !cl.Public {
		secret = a.clients.NewSecret()
	}
	ctx := c.Request.Context()
	if err := a.clients.Create(ctx, caller(c).Actor(), cl, secret); err != nil {
		a.fail(c, err)
		return
	}
	saved, err := a.clients.Get(ctx, cl.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := toClientJSON(saved)
	out.Secret = secret
	c.Header("Location", Prefix+"/clients/"+cl.ID)
	c.JSON(http.StatusCreated, out)
}

func (a *API) patchClient(c *gin.Context) {
	var in clientInJSON
	if !decodeBody(c, &in, clientFields, false) {
		return
	}
	ctx := c.Request.Context()
	cl, err := a.clients.Get(ctx, c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	if in.ID != nil && *in.ID != cl.ID {
		invalid(c, "a field is invalid", FieldProblem{Field: "id", Detail: "cannot be changed"})
		return
	}
	if in.Public != nil && *in.Public != cl.Public {
		invalid(c, "a field is invalid", FieldProblem{Field: "public", Detail: "cannot be changed; create a new client"})
		return
	}
	in.apply(&cl)
	if err := a.clients.Update(ctx, caller(c).Actor(), cl); err != nil {
		a.fail(c, err)
		return
	}
	if cl, err = a.clients.Get(ctx, cl.ID); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toClientJSON(cl))
}

func (a *API) deleteClient(c *gin.Context) {
	if err := a.clients.Delete(c.Request.Context(), caller(c).Actor(), c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) rotateSecret(c *gin.Context) {
	ctx := c.Request.Context()
	cl, err := a.clients.Get(ctx, c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return
	}
	if cl.Public {
		writeProblem(c, http.StatusConflict, ProblemConflict, "a public client has no secret")
		return
	}
	secret := a.clients.NewSecret()
	if err := a.clients.SetSecret(ctx, caller(c).Actor(), cl.ID, secret); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"client_id": cl.ID, "secret": secret})
}

// Audit event types of client changes, written by the Clients
// implementation (details: client_id).
const (
	EventClientCreate        = "admin.client.create"
	EventClientUpdate        = "admin.client.update"
	EventClientDelete        = "admin.client.delete"
	EventClientSecretRotated = "admin.client.secret_rotated"
)
