package server

import (
	"strings"

	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/ui"
)

// ProviderEndpoints gives the console's Integration panel the provider's
// public URLs, from the configured issuer (never from request headers).
func (a adminConsole) ProviderEndpoints() ui.ProviderEndpoints {
	iss := strings.TrimSuffix(a.server.cfg.Issuer, "/")
	return ui.ProviderEndpoints{Issuer: a.server.cfg.Issuer, Discovery: iss + op.PathDiscovery, Authorization: iss + op.PathAuthorize,
		Token: iss + op.PathToken, Userinfo: iss + op.PathUserinfo, JWKS: iss + op.PathKeys, EndSession: iss + op.PathEndSession}
}
