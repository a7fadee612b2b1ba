package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// users import / users export (issue 16): JSON Lines, the format of
// account.ImportRecord; README "Importing users".

func usersImportCommand() *command {
	return &command{name: "import", args: "FILE", summary: "import users from JSON Lines (- for standard input); nothing is imported when a line is refused", run: runUsersImport, flags: usersImportFlags}
}

func usersExportCommand() *command {
	return &command{name: "export", summary: "write every user as JSON Lines, the format users import reads", run: runUsersExport, flags: usersExportFlags}
}

type usersImportOptions struct {
	fb     account.FirebaseParams
	asJSON bool
}

func usersImportFlags(fs *flag.FlagSet) any {
	o := &usersImportOptions{}
	fs.StringVar(&o.fb.SignerKey, "firebase-signer-key", "", "Firebase project's base64_signer_key (for firebase-scrypt hashes)")
	fs.StringVar(&o.fb.SaltSeparator, "firebase-salt-separator", "", "Firebase project's base64_salt_separator")
	fs.IntVar(&o.fb.Rounds, "firebase-rounds", 0, "Firebase project's rounds")
	fs.IntVar(&o.fb.MemCost, "firebase-mem-cost", 0, "Firebase project's mem_cost")
	fs.BoolVar(&o.asJSON, "json", false, "print the outcome of every line as JSON")
	return o
}

type usersExportOptions struct {
	withHashes bool
	output     string
}

func usersExportFlags(fs *flag.FlagSet) any {
	o := &usersExportOptions{}
	fs.BoolVar(&o.withHashes, "with-hashes", false, "include password hashes (keep the file secret)")
	fs.StringVar(&o.output, "output", "", "write to `FILE` (created 0600) instead of standard output")
	return o
}

func runUsersImport(ctx context.Context, e *env, common *commonFlags, opts any, args []string) error {
	o := opts.(*usersImportOptions)
	if len(args) != 1 {
		return fmt.Errorf("%w: users import: give exactly one FILE (- for standard input)", errUsage)
	}
	var in io.Reader = stdin
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return fmt.Errorf("users import: %w", err)
		}
		defer f.Close()
		in = f
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		res, err := account.ImportUsers(ctx, store, in, account.ImportOptions{Firebase: o.fb})
		var ie *account.ImportError
		if errors.As(err, &ie) {
			return fmt.Errorf("users import: %s", ie.Error())
		}
		if err != nil {
			return err
		}
		if o.asJSON {
			return printJSON(e, res)
		}
		fmt.Fprintf(e.stdout, "%d created, %d updated, %d unchanged\n", res.Created, res.Updated, res.Unchanged)
		return nil
	})
}

func runUsersExport(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*usersExportOptions)
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		out := e.stdout
		if o.output != "" {
			f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return fmt.Errorf("users export: %w", err)
			}
			defer f.Close()
			out = f
		}
		_, err := account.ExportUsers(ctx, store, out, o.withHashes)
		return err
	})
}
