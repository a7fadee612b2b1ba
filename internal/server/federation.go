package server

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/federation"
	"github.com/gatehouse/gatehouse/ui"
)

// federationPages builds the upstream providers of
// `federation.providers` and hands them to the pages. Nothing is asked of
// the upstreams here: a provider that is down fails only its own sign-ins.
func (s *Server) federationPages(opts *ui.Options) error {
	opts.Identities = s.reg.registrar // the linked sign-in methods page
	if len(s.cfg.Federation.Providers) == 0 {
		return nil
	}
	svc, err := federation.NewService(s.cfg.Federation.Providers, s.cfg.Issuer, s.store.FederationFlows(),
		s.reg.registrar, s.log)
	if err != nil {
		return fmt.Errorf("federation: %w", err)
	}
	opts.Federation = svc
	return nil
}
