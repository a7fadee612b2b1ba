package server

import (
	"context"
	"io"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Groups, access rules, invitations and import (issue 16): the access
// service over the store, shared by the management API, the console and
// the registration pages.

// buildAccess makes the access service; build calls it after
// buildRegistration (invitation letters go through its mailer).
func (s *Server) buildAccess() {
	s.access = access.New(s.store, access.Options{})
}

// accessAPI is what the management API gets: the access service plus the
// user import of the account layer.
type accessAPI struct {
	*access.Service
	store storage.Store
}

func (a accessAPI) ImportUsers(ctx context.Context, actor string, r io.Reader, fb account.FirebaseParams) (account.ImportResult, error) {
	return account.ImportUsers(ctx, a.store, r, account.ImportOptions{Firebase: fb, Actor: actor})
}
