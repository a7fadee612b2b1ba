package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/templates"
)

// Registration decisions (audit mode): approve or reject a user in
// pending_approval. The user's letter is queued in the outbox; a running
// server delivers it.

func usersApproveCommand() *command {
	return &command{name: "approve", args: "ID", summary: "activate a user waiting for approval and send them a letter", run: runUsersApprove}
}

func usersRejectCommand() *command {
	return &command{name: "reject", args: "ID [--reason TEXT]", summary: "refuse a user waiting for approval and send them a letter",
		run: runUsersReject, flags: usersRejectFlags}
}

type usersRejectOptions struct{ reason string }

func usersRejectFlags(fs *flag.FlagSet) any {
	o := &usersRejectOptions{}
	usersRejectFlagsInto(fs, o)
	return o
}

func runUsersApprove(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	id, err := oneUserID("users approve", args)
	if err != nil {
		return err
	}
	return withRegistrar(ctx, e, common, func(r *account.Registrar) error {
		u, err := r.Approve(ctx, id, "")
		if err != nil {
			return describeDecisionError("users approve", id, err)
		}
		fmt.Fprintf(e.stdout, "%s %s is now %s\n", u.ID, u.Email, u.State)
		return nil
	})
}

func runUsersReject(ctx context.Context, e *env, common *commonFlags, opts any, args []string) error {
	o := opts.(*usersRejectOptions)
	// Flags after the ID (users reject ID --reason TEXT) are not parsed by
	// the command line: parse them here.
	if len(args) > 1 {
		fs := flag.NewFlagSet("users reject", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		usersRejectFlagsInto(fs, o)
		if err := fs.Parse(args[1:]); err != nil {
			return fmt.Errorf("%w: users reject: %v", errUsage, err)
		}
		args = append(args[:1], fs.Args()...)
	}
	id, err := oneUserID("users reject", args)
	if err != nil {
		return err
	}
	return withRegistrar(ctx, e, common, func(r *account.Registrar) error {
		u, err := r.Reject(ctx, id, "", o.reason)
		if err != nil {
			return describeDecisionError("users reject", id, err)
		}
		fmt.Fprintf(e.stdout, "%s %s is now %s\n", u.ID, u.Email, u.State)
		return nil
	})
}

// usersRejectFlagsInto declares the reject flags on fs, writing into o.
func usersRejectFlagsInto(fs *flag.FlagSet, o *usersRejectOptions) {
	fs.StringVar(&o.reason, "reason", o.reason, "why, in the letter to the user (at most 1000 characters)")
}

// oneUserID returns the single ID argument.
func oneUserID(cmd string, args []string) (string, error) {
	if len(args) != 1 || args[0] == "" {
		return "", fmt.Errorf("%w: %s needs exactly one user ID (see gatehouse users list --state pending_approval)", errUsage, cmd)
	}
	return args[0], nil
}

// describeDecisionError says what went wrong in words.
func describeDecisionError(cmd, id string, err error) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("%s: no user %s", cmd, id)
	case errors.Is(err, account.ErrStateConflict):
		return fmt.Errorf("%s: %w", cmd, err)
	case errors.Is(err, account.ErrInvalid):
		return fmt.Errorf("%w: %s: %v", errUsage, cmd, err)
	}
	return err
}

// withRegistrar runs fn with the registration rules over the configured
// database; letters go to the outbox.
func withRegistrar(ctx context.Context, e *env, common *commonFlags, fn func(*account.Registrar) error) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	return withAccounts(ctx, e, common, func(svc *account.Service, store *sqlstore.Store) error {
		bundle, err := i18n.Load(templates.Locales())
		if err != nil {
			return fmt.Errorf("load message catalogs: %w", err)
		}
		logger := commandLogger(cfg, e, common)
		mailer, err := server.NewMailer(cfg, logger, bundle, nil, server.TestHooks{}, server.Branding(store, cfg))
		if err != nil {
			return err
		}
		r, err := server.NewRegistrar(ctx, cfg, store, svc, mailer, bundle.Supported())
		if err != nil {
			return err
		}
		return fn(r)
	})
}
