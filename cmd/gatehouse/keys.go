package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func keysCommand() *command {
	return &command{name: "keys", summary: "manage token signing keys", sub: []*command{
		{name: "list", summary: "list signing keys and their states", run: runKeysList},
		{name: "rotate", summary: "make the published next key sign and publish a new next key", run: runKeysRotate},
		{name: "reencrypt", summary: "re-encrypt signing keys and authenticator secrets under the current instance key (after GATEHOUSE_SECRET_KEY=new,old)", run: runKeysReencrypt, flags: jsonFlag},
	}}
}

// withProvider opens the store and builds the OpenID Provider over it (which
// creates the first keys on an empty database).
func withProvider(ctx context.Context, e *env, common *commonFlags, fn func(*op.Provider) error) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	key, _, err := instancekey.Load(&cfg)
	if err != nil {
		return fmt.Errorf("instance key: %w", err)
	}
	logger := commandLogger(cfg, e, common)
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		p, err := server.NewProvider(ctx, cfg, key, store, logger)
		if err != nil {
			return err
		}
		return fn(p)
	})
}

func runKeysList(ctx context.Context, e *env, common *commonFlags, _ any, _ []string) error {
	return withProvider(ctx, e, common, func(p *op.Provider) error {
		keys, err := p.Keys(ctx)
		if err != nil {
			return fmt.Errorf("list keys: %w", err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tALG\tSTATE\tPUBLISHED\tCREATED\tACTIVATED\tRETIRED\tPUBLISHED UNTIL")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, k.Published,
				stamp(k.CreatedAt), stamp(k.ActivatedAt), stamp(k.RetiredAt), stamp(k.PublishUntil))
		}
		return tw.Flush()
	})
}

func runKeysRotate(ctx context.Context, e *env, common *commonFlags, _ any, _ []string) error {
	return withProvider(ctx, e, common, func(p *op.Provider) error {
		err := p.RotateKeys(ctx)
		if errors.Is(err, op.ErrRotateTooSoon) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if err != nil {
			return fmt.Errorf("rotate keys: %w", err)
		}
		fmt.Fprintln(e.stdout, "rotated: the next key signs now; a new next key is published")
		return nil
	})
}

// runKeysReencrypt seals every signing key and TOTP secret that an older
// instance key encrypted again under the current one, so the older key can
// be removed from GATEHOUSE_SECRET_KEY. Running it again changes nothing.
func runKeysReencrypt(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	key, _, err := instancekey.Load(&cfg)
	if err != nil {
		return fmt.Errorf("instance key: %w", err)
	}
	logger := commandLogger(cfg, e, common)
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		report, rerr := server.Reencrypt(ctx, cfg, key, store, logger)
		if opts.(*jsonOptions).asJSON {
			if err := json.NewEncoder(e.stdout).Encode(report); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(e.stdout, "signing keys: %d re-encrypted, %d already under the current key\n",
				report.SigningKeys.Reencrypted, report.SigningKeys.Current)
			fmt.Fprintf(e.stdout, "authenticator secrets: %d re-encrypted, %d already under the current key\n",
				report.TOTPSecrets.Reencrypted, report.TOTPSecrets.Current)
		}
		if rerr != nil {
			// One line on stderr, however many rows failed.
			return errors.New("keys reencrypt: " + strings.ReplaceAll(rerr.Error(), "\n", "; "))
		}
		return nil
	})
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
