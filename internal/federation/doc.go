// Package federation signs users in through upstream identity providers
// configured under `federation.providers`: generic OpenID Connect
// (discovery, PKCE, ID token verified with zitadel/oidc's rp), generic
// OAuth2 with a userinfo endpoint, and the presets github, google,
// microsoft and gitlab.
//
// A Provider builds the authorization URL and turns the callback's code
// into verified Claims. Every request to an upstream goes through an HTTP
// client bounded by the provider's timeout whose dialer refuses loopback,
// link-local and private addresses unless the provider allows them
// (SECURITY 49). Discovery is lazy: the server starts while an upstream is
// down, and only that provider's sign-ins fail.
//
// A Service keeps the flows in the database (storage.FederationFlowStore):
// the state is random, stored hashed, bound to the browser that started
// the flow and used once (SECURITY 45); identities are keyed by (provider,
// subject) (SECURITY 46). What a verified identity leads to (sign-in,
// sign-up, linking) is decided by internal/account. An identity that would
// create a user before the browser has solved the registration captcha and
// given the required fields is held as a PendingSignup (server-side, bound
// to the browser, expiring, used once) until CompleteSignup.
package federation
