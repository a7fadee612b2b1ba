package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/templates"
)

// users invite (issue 16): the letter is queued in the outbox, delivered
// by the running server's mail worker.

func usersInviteCommand() *command {
	return &command{name: "invite", args: "EMAIL", summary: "invite an address: the letter's link registers it (7 days, once); prints JSON with id and link", run: runUsersInvite, flags: usersInviteFlags}
}

type usersInviteOptions struct{ groups listFlag }

func usersInviteFlags(fs *flag.FlagSet) any {
	o := &usersInviteOptions{}
	fs.Var(&o.groups, "group", "`group` (name) joined on sign-up (repeatable)")
	return o
}

func runUsersInvite(ctx context.Context, e *env, common *commonFlags, opts any, args []string) error {
	o := opts.(*usersInviteOptions)
	if len(args) != 1 {
		return fmt.Errorf("%w: users invite: give exactly one EMAIL", errUsage)
	}
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		bundle, err := i18n.Load(templates.Locales())
		if err != nil {
			return fmt.Errorf("load message catalogs: %w", err)
		}
		mailer, err := server.NewMailer(cfg, commandLogger(cfg, e, common), bundle, nil, server.TestHooks{}, server.Branding(store, cfg))
		if err != nil {
			return err
		}
		svc := server.NewAccess(store, mailer, bundle.Supported()[0])
		inv, link, err := svc.Invite(ctx, "", args[0], o.groups, server.InvitationLink(mailer))
		var fe *access.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("%w: users invite: %s: %s", errUsage, fe.Field, fe.Detail)
		}
		if err != nil {
			return err
		}
		return printJSON(e, map[string]any{"id": inv.ID, "email": inv.Email, "groups": nonNil(inv.Groups),
			"expires_at": inv.ExpiresAt, "link": link})
	})
}
