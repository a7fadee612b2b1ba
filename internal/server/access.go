package server

import (
	"github.com/gatehouse/gatehouse/internal/access"
)

// Groups, access rules, invitations and import (issue 16): the access
// service over the store, shared by the management API, the console and
// the registration pages.

// buildAccess makes the access service; build calls it after
// buildRegistration (invitation letters go through its mailer).
func (s *Server) buildAccess() {
	s.access = access.New(s.store, access.Options{})
}
