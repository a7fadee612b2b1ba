// Package op is Gatehouse's OpenID Provider. It builds zitadel/oidc's
// provider (imported as zop) on a static issuer and implements its storage
// interfaces (zop.Storage, zop.ClientCredentialsStorage,
// zop.CanSetUserinfoFromRequest, zop.CanTerminateSessionFromRequest,
// zop.CanGetPrivateClaimsFromRequest) over the store interfaces of package
// storage. Everything that matters lives in the database; the only
// process-local state is short-lived caches (clients, signing keys, the
// discovery and JWKS documents, and which JWT access tokens this replica
// has already verified: verified.go; revocation is never cached).
//
// It also owns what the library leaves to its user: client registration
// rules (ValidateClient) and secret hashing, PKCE S256 for every client,
// code-only authorization, binding an authorization request to the browser
// that started it, single-use codes with reuse detection, refresh token
// rotation with family revocation, client-credentials JWT access tokens
// that are not stored (revoked by a tombstone row; stateless.go), signing
// keys encrypted at rest and rotated next -> active -> retired for each
// algorithm in use (the instance's, RS256, and those clients ask for;
// keys.go, rotation.go),
// per-client ID token algorithms and at+jwt access tokens, each JWT signed
// once (every grant answered with zop's parsing and validation in
// clientcredentials.go, tokenresponse.go, device.go and tokenexchange.go,
// signed by tokensign.go; zop itself only ever holds a draft key),
// iss in every authorization response (iss.go, RFC 9207), the device
// flow's storage and page services (device.go, RFC 8628), pushed
// authorization requests (par.go, RFC 9126), token exchange
// (tokenexchange.go, RFC 8693), the instance policy that switches PAR for
// every client and dynamic registration in discovery (policy.go,
// protocol2.go), cache headers and per-path CORS, and
// 503 temporarily_unavailable (with Retry-After) instead of zop's client
// errors when the token, introspection, userinfo or revocation endpoint
// meets a database outage (storage.WatchUnavailable).
//
// # Routes
//
// Provider.Handler serves, relative to the issuer (Provider.Paths):
//
//	GET  /.well-known/openid-configuration  discovery (precomputed, public cache)
//	GET  /keys                              JWKS (public keys only, public cache)
//	GET  /authorize                         authorization endpoint -> login page
//	GET  /authorize/callback                issues the code of a completed form_post request
//	                                        (Complete issues the others' codes itself)
//	POST /oauth/token                       authorization_code, refresh_token, client_credentials,
//	                                        device_code (when the store keeps device authorizations),
//	                                        token-exchange (tokenexchange.go)
//	POST /oauth/par                         RFC 9126 pushed authorization requests (par.go)
//	POST /oauth/device_authorization        RFC 8628 device authorization (device.go)
//	POST /oauth/introspect                  RFC 7662, client_secret_basic only;
//	                                        personal API tokens too (personal.go)
//	GET  /userinfo                          claims for a bearer access token or
//	                                        personal API token
//	POST /revoke                            RFC 7009
//	GET  /end_session                       RP-initiated logout
//
// # Wiring
//
// Register every path of Paths for all methods (OPTIONS included, for CORS
// preflights) with the one Handler. Wrap /authorize, /authorize/callback and
// the login pages in a middleware that reads (on /authorize: creates) a
// random browser cookie and passes its SHA-256 to WithBrowserBinding.
//
// The login and logout pages (package ui) reach the provider through
// Provider.AuthRequest, Complete (which answers where the browser goes:
// the application with its code, or the callback) and RejectURL, and
// PostLogoutURL and EndSession; the CLI through Keys and RotateKeys; a
// periodic job calls Sweep.
package op
