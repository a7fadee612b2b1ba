// Package dynreg is dynamic client registration (RFC 7591) and its
// management protocol (RFC 7592), issue 18 item 6.
//
// Registration is off unless the instance setting
// oauth.dynamic_client_registration is on (the Enabled function); then
// software holding an initial access token that an administrator created
// (Service.CreateToken: management API /api/v1/registration-tokens, CLI
// `gatehouse registration-tokens create`) may register clients. Every
// registration goes through the same code path as `clients create`
// (Options.FromConfig and Options.Register: ClientFromConfig and
// RegisterClient of internal/server), so every rule applies; the
// privileged settings (admin, first_party, dev, allowed_groups,
// require_mfa) cannot be set this way. Tokens are stored as SHA-256 only;
// the registration access token of a client is returned once.
//
// # Routes
//
//	POST   /oauth/register       register a client (Authorization: Bearer <initial access token>)
//	GET    /oauth/register/{id}  read it     (Authorization: Bearer <registration access token>)
//	PUT    /oauth/register/{id}  replace its metadata
//	DELETE /oauth/register/{id}  delete it
//
// All answer 404 while registration is off.
package dynreg
