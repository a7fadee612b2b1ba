package op

import "github.com/zitadel/oidc/v3/pkg/oidc"

// protocolDiscovery sets the discovery fields of issue 18's items 4, 6
// and 8 (PAR, dynamic client registration, token exchange) from what is
// on under pol.
func (p *Provider) protocolDiscovery(doc *discoveryDocument, pol Policy) {
	doc.PushedAuthorizationRequestEndpoint = p.opts.Issuer + PathPAR
	doc.RequirePushedAuthorizationRequests = pol.RequirePAR
	doc.GrantTypesSupported = append(doc.GrantTypesSupported, oidc.GrantTypeTokenExchange) // tokenexchange.go
}
