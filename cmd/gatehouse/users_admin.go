package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Administrator actions of the CLI (issue 6 parity with the management
// API): block, unblock, delete. They use the same account code as the
// API; the audit log records them with an empty actor (the operator).

func usersBlockCommand() *command {
	return &command{name: "block", args: "ID", summary: "block a user and end their sessions and tokens at once", run: runUsersBlock}
}

func usersUnblockCommand() *command {
	return &command{name: "unblock", args: "ID", summary: "make a blocked user active again", run: runUsersUnblock}
}

func usersDeleteCommand() *command {
	return &command{name: "delete", args: "ID", summary: "delete a user with their sessions, identities and tokens", run: runUsersDelete}
}

func runUsersBlock(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	return userStateCommand(ctx, e, common, "users block", args, (*account.Registrar).Block)
}

func runUsersUnblock(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	return userStateCommand(ctx, e, common, "users unblock", args, (*account.Registrar).Unblock)
}

// userStateCommand runs a state change on the single ID argument.
func userStateCommand(ctx context.Context, e *env, common *commonFlags, cmd string, args []string,
	do func(*account.Registrar, context.Context, string, string) (storage.User, error)) error {
	id, err := oneUserID(cmd, args)
	if err != nil {
		return err
	}
	return withRegistrar(ctx, e, common, func(r *account.Registrar) error {
		u, err := do(r, ctx, id, "")
		if err != nil {
			return describeDecisionError(cmd, id, err)
		}
		fmt.Fprintf(e.stdout, "%s %s is now %s\n", u.ID, u.Email, u.State)
		return nil
	})
}

func runUsersDelete(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	id, err := oneUserID("users delete", args)
	if err != nil {
		return err
	}
	return withRegistrar(ctx, e, common, func(r *account.Registrar) error {
		if err := r.DeleteUser(ctx, id, ""); err != nil {
			return describeDecisionError("users delete", id, err)
		}
		fmt.Fprintf(e.stdout, "%s deleted\n", id)
		return nil
	})
}
