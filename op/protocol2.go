package op

import "github.com/zitadel/oidc/v3/pkg/oidc"

// protocolDiscovery sets the discovery fields of issue 18's items 4, 6
// and 8 (PAR, dynamic client registration, token exchange) from what is
// on under pol.
func (p *Provider) protocolDiscovery(doc *discoveryDocument, pol Policy) {
	doc.PushedAuthorizationRequestEndpoint = p.opts.Issuer + PathPAR
	doc.RequirePushedAuthorizationRequests = pol.RequirePAR
	doc.RegistrationEndpoint = ""
	if pol.DynamicRegistration { // internal/dynreg serves it
		doc.RegistrationEndpoint = p.opts.Issuer + PathRegister
	}
	doc.GrantTypesSupported = append(doc.GrantTypesSupported, oidc.GrantTypeTokenExchange) // tokenexchange.go
}

// PathRegister is the dynamic client registration endpoint (RFC 7591),
// served by package dynreg; discovery names it while the instance allows
// registration.
const PathRegister = "/oauth/register"
