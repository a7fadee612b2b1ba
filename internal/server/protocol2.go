package server

import (
	"context"

	"github.com/gatehouse/gatehouse/op"
)

// buildProtocol2 wires issue 18's items 4, 6 and 8: the provider reads the
// instance's protocol switches (require PAR for every client, dynamic
// client registration) from the settings administrators change.
func (s *Server) buildProtocol2() {
	reg := s.reg.registrar
	s.provider.SetPolicy(func(ctx context.Context) (op.Policy, error) {
		ps, err := reg.ProtocolSettings(ctx)
		if err != nil {
			return op.Policy{}, err
		}
		return op.Policy{RequirePAR: ps.RequirePAR, DynamicRegistration: ps.DynamicRegistration}, nil
	})
}
