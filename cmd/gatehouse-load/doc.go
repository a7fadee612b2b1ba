// Command gatehouse-load drives a running Gatehouse over HTTP with N workers
// for D seconds per scenario (discovery, JWKS, client credentials, refresh
// chains, userinfo, introspection, the SSO code flow and the password
// sign-in flow) and prints requests per second, latency percentiles and,
// given the server's pid, the server's CPU time per request and its memory
// from /proc. It prepares its own client and users through the management
// API with a service client's credentials (see the README's "Performance").
package main
