package adminapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// route is one management endpoint: the route table registers it and
// the OpenAPI document describes it, so the two cannot drift.
type route struct {
	Method  string
	Path    string // gin syntax: /users/:id
	Summary string
	Tag     string
	Query   []string // query parameters
	Body    string   // request body schema name, "" for none
	Status  int      // success status
	Handler gin.HandlerFunc
}

// routes is the route table, relative to Prefix.
func (a *API) routes() []route {
	page := []string{"cursor", "limit"}
	return append([]route{
		{http.MethodGet, "/users", "List users", "users", append([]string{"state", "q", "created_after"}, page...), "", 200, a.listUsers},
		{http.MethodPost, "/users", "Create an active user and send a set-your-password link", "users", nil, "UserCreate", 201, a.createUser},
		{http.MethodGet, "/users/:id", "Get a user", "users", nil, "", 200, a.getUser},
		{http.MethodPatch, "/users/:id", "Change a user's profile fields or role", "users", nil, "UserPatch", 200, a.patchUser},
		{http.MethodDelete, "/users/:id", "Delete a user", "users", nil, "", 204, a.deleteUser},
		{http.MethodPost, "/users/:id/approve", "Approve a user waiting for approval", "users", nil, "", 200, a.approveUser},
		{http.MethodPost, "/users/:id/reject", "Reject a user waiting for approval", "users", nil, "Reject", 200, a.rejectUser},
		{http.MethodPost, "/users/:id/block", "Block a user and end their sessions and tokens", "users", nil, "", 200, a.blockUser},
		{http.MethodPost, "/users/:id/unblock", "Unblock a blocked user", "users", nil, "", 200, a.unblockUser},
		{http.MethodPost, "/users/:id/reset-password", "Send the password reset letter", "users", nil, "", 202, a.resetPassword},
		{http.MethodPost, "/users/:id/resend-verification", "Send a new confirmation link", "users", nil, "", 202, a.resendVerification},
		{http.MethodGet, "/users/:id/sessions", "List a user's browser sessions", "users", nil, "", 200, a.listSessions},
		{http.MethodDelete, "/users/:id/sessions", "End every session and token of a user", "users", nil, "", 204, a.endSessions},
		{http.MethodDelete, "/users/:id/mfa", "Turn off a user's two-step verification (authenticator and recovery codes)", "users", nil, "", 204, a.resetMFA},
		{http.MethodGet, "/users/:id/passkeys", "List a user's passkeys", "users", nil, "", 200, a.listPasskeys},
		{http.MethodDelete, "/users/:id/passkeys/:passkey_id", "Remove a user's passkey", "users", nil, "", 204, a.removePasskey},
		{http.MethodGet, "/users/:id/identities", "List a user's linked identities", "users", nil, "", 200, a.listIdentities},
		{http.MethodDelete, "/users/:id/identities/:identity_id", "Unlink an identity", "users", nil, "", 204, a.unlinkIdentity},
		{http.MethodGet, "/users/:id/tokens", "List a user's personal API tokens (never the token)", "users", nil, "", 200, a.listTokens},
		{http.MethodDelete, "/users/:id/tokens/:token_id", "Revoke a user's personal API token", "users", nil, "", 204, a.revokeToken},
		{http.MethodGet, "/clients", "List clients", "clients", page, "", 200, a.listClients},
		{http.MethodPost, "/clients", "Register a client (returns its secret once)", "clients", nil, "ClientCreate", 201, noPersonal(a.createClient)},
		{http.MethodGet, "/clients/:id", "Get a client", "clients", nil, "", 200, a.getClient},
		{http.MethodPatch, "/clients/:id", "Change a client", "clients", nil, "ClientPatch", 200, a.patchClient},
		{http.MethodDelete, "/clients/:id", "Delete a client", "clients", nil, "", 204, a.deleteClient},
		{http.MethodPost, "/clients/:id/secret", "Rotate the client secret (returned once)", "clients", nil, "", 200, noPersonal(a.rotateSecret)},
		{http.MethodGet, "/settings", "Get the instance settings", "settings", nil, "", 200, a.getSettings},
		{http.MethodPatch, "/settings", "Change instance settings", "settings", nil, "SettingsPatch", 200, a.patchSettings},
		{http.MethodGet, "/audit-events", "List audit events, newest first", "audit", append([]string{"user", "type", "since"}, page...), "", 200, a.listAudit},
	}, append(append(a.accessRoutes(page), a.registrationTokenRoutes(page)...), a.brandingRoutes()...)...) // access_routes.go, registration_tokens.go, branding.go
}
