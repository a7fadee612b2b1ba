package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// stdin is where --password-stdin reads; tests replace it.
var stdin io.Reader = os.Stdin

func usersCommand() *command {
	return &command{name: "users", summary: "manage users", sub: []*command{
		{name: "create", summary: "create an active user with a verified email; prints the user id", run: runUsersCreate, flags: usersCreateFlags},
		{name: "list", summary: "list users", run: runUsersList, flags: usersListFlags},
		usersApproveCommand(), usersRejectCommand(), // users_lifecycle.go
		usersBlockCommand(), usersUnblockCommand(), usersDeleteCommand(), // users_admin.go
		usersMFAResetCommand(),                     // users_mfa.go
		usersImportCommand(), usersExportCommand(), // users_import.go
		usersInviteCommand(), // users_invite.go
	}}
}

type usersCreateOptions struct {
	email, username, givenName, familyName string
	passwordStdin, admin                   bool
}

func usersCreateFlags(fs *flag.FlagSet) any {
	o := &usersCreateOptions{}
	fs.StringVar(&o.email, "email", "", "email `address` (required)")
	fs.StringVar(&o.username, "username", "", "optional user `name` for signing in")
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of standard input (without it the user has no password and sets one through a reset)")
	fs.StringVar(&o.givenName, "given-name", "", "given `name`")
	fs.StringVar(&o.familyName, "family-name", "", "family `name`")
	fs.BoolVar(&o.admin, "admin", false, "make the user an administrator")
	return o
}

// withAccounts opens the store (applying migrations) and runs fn with the
// account rules over it.
func withAccounts(ctx context.Context, e *env, common *commonFlags, fn func(*account.Service, *sqlstore.Store) error) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	logger := commandLogger(cfg, e, common)
	store, err := server.OpenStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(account.New(store, server.AccountOptions(cfg, logger)), store)
}

func runUsersCreate(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*usersCreateOptions)
	if o.email == "" {
		return fmt.Errorf("%w: users create: --email is required", errUsage)
	}
	var password string
	if o.passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return fmt.Errorf("%w: users create: --password-stdin given but standard input is empty", errUsage)
		}
	}
	return withAccounts(ctx, e, common, func(svc *account.Service, _ *sqlstore.Store) error {
		u, err := svc.CreateUser(ctx, account.NewUser{
			Email: o.email, Username: o.username, Password: password,
			GivenName: o.givenName, FamilyName: o.familyName, Admin: o.admin,
		})
		if err != nil {
			return describeUserError(err)
		}
		fmt.Fprintln(e.stdout, u.ID)
		return nil
	})
}

// describeUserError turns the account rules' errors into a usage error
// that says which input is wrong.
func describeUserError(err error) error {
	if dup, ok := errors.AsType[*account.DuplicateError](err); ok {
		return badInput("users create: that %s is already taken", dup.Field)
	}
	if fe, ok := errors.AsType[*account.FieldError](err); ok {
		return badInput("users create: the %s is refused: %s", fe.Field, fieldReason(fe))
	}
	return err
}

type usersListOptions struct {
	state  string
	query  string
	asJSON bool
}

func usersListFlags(fs *flag.FlagSet) any {
	o := &usersListOptions{}
	fs.StringVar(&o.state, "state", "", "only users in this `state` (pending_verification, pending_approval, active, blocked, rejected)")
	fs.StringVar(&o.query, "q", "", "only users whose email, login or name contains `text`")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON lines instead of a table")
	return o
}

func runUsersList(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*usersListOptions)
	state := storage.UserState(o.state)
	if o.state != "" && !state.Valid() {
		return fmt.Errorf("%w: users list: unknown state %q", errUsage, o.state)
	}
	return withAccounts(ctx, e, common, func(svc *account.Service, _ *sqlstore.Store) error {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		if !o.asJSON {
			fmt.Fprintln(tw, "ID\tEMAIL\tLOGIN\tSTATE\tROLE\tCREATED")
		}
		filter := storage.UserFilter{State: state, Query: o.query, Limit: storage.MaxLimit}
		for {
			page, err := svc.ListUsers(ctx, filter)
			if err != nil {
				return err
			}
			for _, u := range page.Items {
				if err := printUser(e.stdout, tw, u, o.asJSON); err != nil {
					return err
				}
			}
			if page.Next == "" {
				break
			}
			filter.Cursor = page.Next
		}
		return tw.Flush()
	})
}

func printUser(out io.Writer, tw *tabwriter.Writer, u storage.User, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(out).Encode(map[string]any{
			"id": u.ID, "email": u.Email, "username": u.Username, "state": u.State, "role": u.Role,
			"email_verified": u.EmailVerified, "given_name": u.GivenName, "family_name": u.FamilyName,
			"created_at": u.CreatedAt,
		})
	}
	_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Username, u.State, u.Role,
		u.CreatedAt.Format("2006-01-02 15:04"))
	return err
}

// fieldReason says once why a field was refused.
func fieldReason(fe *account.FieldError) string {
	switch {
	case errors.Is(fe.Reason, account.ErrTooCommon):
		return "it is one of the most common passwords"
	case errors.Is(fe.Reason, account.ErrMissingClass):
		return "it needs at least one character of this kind: " + fe.Detail
	case fe.Detail == "" || fe.Detail == fe.Reason.Error():
		return fe.Reason.Error()
	}
	return fmt.Sprintf("%v (%s)", fe.Reason, fe.Detail)
}
