// Command rp is a tiny relying party for trying Gatehouse: it signs a person
// in with the authorization code flow (PKCE S256, state, nonce), verifies the
// ID token with coreos/go-oidc against the issuer's discovery document and
// JWKS, and prints the token's claims on its page and on standard output.
//
// It is an example to read and copy, not part of the server:
//
//	go run ./examples/rp -issuer http://localhost:8080 -client-id example -client-secret SECRET
//
// Register it first with the redirect URI it prints (http://127.0.0.1:5556/callback
// by default), in the console's Applications page or with
// `gatehouse clients create --id example --redirect-uri http://127.0.0.1:5556/callback`.
// Every flag can also come from the environment: RP_ISSUER, RP_CLIENT_ID,
// RP_CLIENT_SECRET, RP_LISTEN.
package main
