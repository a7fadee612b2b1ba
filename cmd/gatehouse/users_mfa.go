package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/templates"
)

// Two-step verification: an administrator turns off a user's
// authenticator and recovery codes (a lost phone); the user's letter is
// queued in the outbox.

func usersMFAResetCommand() *command {
	return &command{name: "mfa-reset", args: "ID",
		summary: "turn off a user's two-step verification (authenticator and recovery codes) and send them a letter",
		run:     runUsersMFAReset}
}

func runUsersMFAReset(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	id, err := oneUserID("users mfa-reset", args)
	if err != nil {
		return err
	}
	return withSecondFactors(ctx, e, common, func(f *account.SecondFactors) error {
		err := f.Disable(ctx, id, "", "")
		switch {
		case errors.Is(err, account.ErrMFANotEnabled):
			fmt.Fprintf(e.stdout, "%s has no two-step verification; nothing to turn off\n", id)
			return nil
		case err != nil:
			return describeDecisionError("users mfa-reset", id, err)
		}
		fmt.Fprintf(e.stdout, "%s two-step verification turned off\n", id)
		return nil
	})
}

// withSecondFactors runs fn with the two-step verification rules over the
// configured database; letters go to the outbox.
func withSecondFactors(ctx context.Context, e *env, common *commonFlags, fn func(*account.SecondFactors) error) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	key, _, err := instancekey.Load(&cfg)
	if err != nil {
		return fmt.Errorf("instance key: %w", err)
	}
	return withAccounts(ctx, e, common, func(svc *account.Service, store *sqlstore.Store) error {
		bundle, err := i18n.Load(templates.Locales())
		if err != nil {
			return fmt.Errorf("load message catalogs: %w", err)
		}
		mailer, err := server.NewMailer(cfg, newLogger(cfg, e.stderr), bundle, nil, server.TestHooks{}, server.Branding(store, cfg))
		if err != nil {
			return err
		}
		r, err := server.NewRegistrar(ctx, cfg, store, svc, mailer, bundle.Supported())
		if err != nil {
			return err
		}
		f, err := account.NewSecondFactors(r, store, key.DeriveAll32(mfa.KeyPurpose), cfg.InstanceName)
		if err != nil {
			return err
		}
		return fn(f)
	})
}

var _ storage.Store = (*sqlstore.Store)(nil)
