package server

import (
	"context"
	"errors"
	"io"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/storage"
)

// Groups, access rules, invitations and import (issue 16): the access
// service over the store, shared by the management API, the console and
// the registration pages.

// buildAccess makes the access service; build calls it after
// buildRegistration (invitation letters go through its mailer).
func (s *Server) buildAccess() {
	s.access = NewAccess(s.store, s.reg.mailer, s.reg.bundle.Supported()[0])
}

// NewAccess is the access service whose invitation letters go through
// mailer's outbox in locale (the CLI builds one too).
func NewAccess(store storage.Store, mailer *mail.Mailer, locale string) *access.Service {
	return access.New(store, access.Options{Mailer: invitationMailer{m: mailer, locale: locale}})
}

// InvitationLink returns the function that makes the registration link of
// an invitation token, under the configured issuer (SECURITY 15).
func InvitationLink(mailer *mail.Mailer) func(token string) string {
	return func(token string) string { return mailer.Link("/register", url.Values{"invitation": {token}}) }
}

func (s *Server) invitationLink(token string) string { return InvitationLink(s.reg.mailer)(token) }

// invitationMailer queues invitation letters through the outbox.
type invitationMailer struct {
	m      *mail.Mailer
	locale string
}

func (im invitationMailer) SendInvitation(ctx context.Context, tx storage.Stores, email, link string) error {
	return im.m.Enqueue(ctx, tx.Outbox(), mail.Letter{To: email, Locale: im.locale, Template: mail.Invitation,
		Data: map[string]any{"Link": link, "Name": ""}})
}

func (im invitationMailer) Kick() { im.m.Kick() }

// accessAPI is what the management API gets: the access service plus the
// user import of the account layer.
type accessAPI struct {
	*access.Service
	store storage.Store
	link  func(token string) string
}

func (a accessAPI) Invite(ctx context.Context, actor, email string, groups []string) (storage.Invitation, string, error) {
	return a.Service.Invite(ctx, actor, email, groups, a.link)
}

func (a accessAPI) ImportUsers(ctx context.Context, actor string, r io.Reader, fb account.FirebaseParams) (account.ImportResult, error) {
	return account.ImportUsers(ctx, a.store, r, account.ImportOptions{Firebase: fb, Actor: actor})
}

// UserByRef finds a user by id, login or email (the console's add-member
// field).
func (a accessAPI) UserByRef(ctx context.Context, ref string) (storage.User, error) {
	u, err := a.store.Users().ByID(ctx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		u, err = a.store.Users().ByLogin(ctx, ref)
	}
	return u, err
}

// accessAPIOf is the adapter the management API and the console share.
func (s *Server) accessAPIOf() accessAPI {
	return accessAPI{Service: s.access, store: s.store, link: s.invitationLink}
}
