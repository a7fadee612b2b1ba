package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/dynreg"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// registrationTokensCommand manages the initial access tokens of dynamic
// client registration (issue 18 item 6; the same code as
// /api/v1/registration-tokens).
func registrationTokensCommand() *command {
	return &command{name: "registration-tokens", summary: "manage initial access tokens for dynamic client registration (/oauth/register)", sub: []*command{
		{name: "create", summary: "create a token; prints JSON with its id and the token (shown once)", run: runRegTokensCreate, flags: regTokensCreateFlags},
		{name: "list", summary: "list tokens (never the tokens themselves)", run: runRegTokensList, flags: jsonFlag},
		{name: "revoke", args: "ID", summary: "revoke a token (the clients it registered stay)", run: runRegTokensRevoke},
	}}
}

type regTokensCreateOptions struct{ name, expiresIn string }

func regTokensCreateFlags(fs *flag.FlagSet) any {
	o := &regTokensCreateOptions{}
	fs.StringVar(&o.name, "name", "", "what the token is for")
	fs.StringVar(&o.expiresIn, "expires-in", "", "`lifetime` such as 30d or 12h (default: until revoked)")
	return o
}

func withDynreg(ctx context.Context, e *env, common *commonFlags, fn func(*dynreg.Service) error) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		audit := func(ctx context.Context, ev storage.AuditEvent) error { return store.Audit().Append(ctx, &ev) }
		svc, err := server.NewDynamicRegistration(cfg.Issuer, store, nil, audit, nil)
		if err != nil {
			return err
		}
		return fn(svc)
	})
}

func runRegTokensCreate(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*regTokensCreateOptions)
	var ttl time.Duration
	if o.expiresIn != "" {
		d, err := account.ParseDays(o.expiresIn)
		if err != nil || d <= 0 {
			return fmt.Errorf("%w: registration-tokens create: --expires-in: a lifetime such as 30d or 12h", errUsage)
		}
		ttl = d
	}
	return withDynreg(ctx, e, common, func(svc *dynreg.Service) error {
		t, secret, err := svc.CreateToken(ctx, "", o.name, ttl)
		if errors.Is(err, dynreg.ErrInvalid) {
			return fmt.Errorf("%w: registration-tokens create: %v", errUsage, err)
		}
		if err != nil {
			return err
		}
		out := map[string]any{"id": t.ID, "token": secret}
		if !t.ExpiresAt.IsZero() {
			out["expires_at"] = t.ExpiresAt
		}
		return printJSON(e, out)
	})
}

func runRegTokensList(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*jsonOptions)
	return withDynreg(ctx, e, common, func(svc *dynreg.Service) error {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		if !o.asJSON {
			fmt.Fprintln(tw, "ID\tNAME\tSTATE\tEXPIRES\tLAST USED")
		}
		now := time.Now()
		cursor := ""
		for {
			page, err := svc.ListTokens(ctx, cursor, storage.MaxLimit)
			if err != nil {
				return err
			}
			for _, t := range page.Items {
				state := "active"
				switch {
				case !t.RevokedAt.IsZero():
					state = "revoked"
				case !t.Active(now):
					state = "expired"
				}
				if o.asJSON {
					if err := json.NewEncoder(e.stdout).Encode(map[string]any{"id": t.ID, "name": t.Name, "state": state,
						"created_at": t.CreatedAt, "expires_at": timeOrNil(t.ExpiresAt), "last_used_at": timeOrNil(t.LastUsedAt)}); err != nil {
						return err
					}
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, state, timeOrDash(t.ExpiresAt), timeOrDash(t.LastUsedAt))
			}
			if cursor = page.Next; cursor == "" {
				return tw.Flush()
			}
		}
	})
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func runRegTokensRevoke(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: registration-tokens revoke: give exactly one ID", errUsage)
	}
	return withDynreg(ctx, e, common, func(svc *dynreg.Service) error {
		err := svc.RevokeToken(ctx, "", args[0])
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%w: registration-tokens revoke: no token %q", errUsage, args[0])
		}
		return err
	})
}
