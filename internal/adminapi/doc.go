// Package adminapi is the management REST API under /api/v1 (issue 6):
// JSON in and out, RFC 9457 problem details for errors, cursor
// pagination (cursor, limit; answers {"items": [...], "next_cursor"}).
//
// Every route but the OpenAPI document needs a bearer access token issued
// by this Gatehouse with scope gatehouse:admin, of a user with role admin
// (authorization code flow) or of an admin service client (client
// credentials): 401 without a valid token, 403 without scope or role.
// Every change is audited with the actor (user id or "client:<id>").
// Only administrator users may set roles; no route sets or reads a
// password or hash.
//
// Routes (the OpenAPI 3.1 document at /api/v1/openapi.json is built from
// the same table, see routes.go):
//
//	GET    /api/v1/openapi.json
//	GET    /api/v1/users                      state, q, created_after, cursor, limit
//	POST   /api/v1/users
//	GET    /api/v1/users/{id}
//	PATCH  /api/v1/users/{id}
//	DELETE /api/v1/users/{id}
//	POST   /api/v1/users/{id}/approve
//	POST   /api/v1/users/{id}/reject          {"reason": "..."}
//	POST   /api/v1/users/{id}/block
//	POST   /api/v1/users/{id}/unblock
//	POST   /api/v1/users/{id}/reset-password
//	POST   /api/v1/users/{id}/resend-verification
//	GET    /api/v1/users/{id}/sessions
//	DELETE /api/v1/users/{id}/sessions
//	DELETE /api/v1/users/{id}/mfa
//	GET    /api/v1/users/{id}/identities
//	DELETE /api/v1/users/{id}/identities/{identity_id}
//	GET    /api/v1/clients                    cursor, limit
//	POST   /api/v1/clients
//	GET    /api/v1/clients/{id}
//	PATCH  /api/v1/clients/{id}
//	DELETE /api/v1/clients/{id}
//	POST   /api/v1/clients/{id}/secret
//	GET    /api/v1/settings
//	PATCH  /api/v1/settings
//	GET    /api/v1/settings/branding          (branding.go)
//	PATCH  /api/v1/settings/branding
//	PUT    /api/v1/settings/branding/{logo,favicon,css}   the raw file
//	DELETE /api/v1/settings/branding/{logo,favicon,css}
//	GET    /api/v1/audit-events               user, type, since, cursor, limit
//
// The package does not import op: the server wires a Verifier and a
// Clients adapter (internal/server/admin_api.go).
package adminapi
