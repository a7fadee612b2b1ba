package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// Groups (issue 16): the same access code as the management API; the
// audit log records the operator as an empty actor.

func groupsCommand() *command {
	return &command{name: "groups", summary: "manage groups (the groups claim and applications' allowed groups)", sub: []*command{
		{name: "create", args: "NAME", summary: "create a group; prints its id", run: runGroupsCreate, flags: groupsCreateFlags},
		{name: "list", summary: "list groups", run: runGroupsList, flags: jsonFlag},
		{name: "delete", args: "GROUP", summary: "delete a group (by id or name) and its memberships", run: runGroupsDelete},
		{name: "members", args: "GROUP", summary: "list a group's members", run: runGroupsMembers, flags: jsonFlag},
		{name: "add-member", args: "GROUP USER", summary: "add a user (id, login or email) to a group", run: runGroupsAddMember},
		{name: "remove-member", args: "GROUP USER", summary: "remove a user (id, login or email) from a group", run: runGroupsRemoveMember},
	}}
}

type groupsCreateOptions struct{ description string }

func groupsCreateFlags(fs *flag.FlagSet) any {
	o := &groupsCreateOptions{}
	fs.StringVar(&o.description, "description", "", "what the group is for")
	return o
}

type jsonOptions struct{ asJSON bool }

func jsonFlag(fs *flag.FlagSet) any {
	o := &jsonOptions{}
	fs.BoolVar(&o.asJSON, "json", false, "print JSON lines instead of a table")
	return o
}

func withAccess(ctx context.Context, e *env, common *commonFlags, fn func(*access.Service, *sqlstore.Store) error) error {
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		return fn(access.New(store, access.Options{}), store)
	})
}

// describeAccessError turns the access layer's errors into one line.
func describeAccessError(cmd string, err error) error {
	var fe *access.FieldError
	switch {
	case errors.As(err, &fe):
		return fmt.Errorf("%w: %s: %s: %s", errUsage, cmd, fe.Field, fe.Detail)
	case errors.Is(err, storage.ErrAlreadyExists):
		return fmt.Errorf("%s: a group with this name already exists", cmd)
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("%s: no such group, user or membership", cmd)
	}
	return err
}

// userByRef finds a user by id, login or email.
func userByRef(ctx context.Context, store storage.Stores, ref string) (storage.User, error) {
	u, err := store.Users().ByID(ctx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		u, err = store.Users().ByLogin(ctx, ref)
	}
	return u, err
}

func runGroupsCreate(ctx context.Context, e *env, common *commonFlags, opts any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: groups create: give exactly one NAME", errUsage)
	}
	o := opts.(*groupsCreateOptions)
	return withAccess(ctx, e, common, func(svc *access.Service, _ *sqlstore.Store) error {
		g, err := svc.CreateGroup(ctx, "", args[0], o.description)
		if err != nil {
			return describeAccessError("groups create", err)
		}
		fmt.Fprintln(e.stdout, g.ID)
		return nil
	})
}

func runGroupsList(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*jsonOptions)
	return withAccess(ctx, e, common, func(svc *access.Service, _ *sqlstore.Store) error {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		if !o.asJSON {
			fmt.Fprintln(tw, "ID\tNAME\tDESCRIPTION")
		}
		cursor := ""
		for {
			page, err := svc.ListGroups(ctx, cursor, storage.MaxLimit)
			if err != nil {
				return err
			}
			for _, g := range page.Items {
				if o.asJSON {
					if err := json.NewEncoder(e.stdout).Encode(map[string]any{"id": g.ID, "name": g.Name,
						"description": g.Description, "created_at": g.CreatedAt}); err != nil {
						return err
					}
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", g.ID, g.Name, g.Description)
			}
			if cursor = page.Next; cursor == "" {
				return tw.Flush()
			}
		}
	})
}

func runGroupsDelete(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: groups delete: give exactly one GROUP", errUsage)
	}
	return withAccess(ctx, e, common, func(svc *access.Service, _ *sqlstore.Store) error {
		g, err := svc.Group(ctx, args[0])
		if err == nil {
			err = svc.DeleteGroup(ctx, "", g.ID)
		}
		if err != nil {
			return describeAccessError("groups delete", err)
		}
		fmt.Fprintf(e.stdout, "%s %s deleted\n", g.ID, g.Name)
		return nil
	})
}

func runGroupsMembers(ctx context.Context, e *env, common *commonFlags, opts any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: groups members: give exactly one GROUP", errUsage)
	}
	o := opts.(*jsonOptions)
	return withAccess(ctx, e, common, func(svc *access.Service, _ *sqlstore.Store) error {
		g, err := svc.Group(ctx, args[0])
		if err != nil {
			return describeAccessError("groups members", err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		if !o.asJSON {
			fmt.Fprintln(tw, "ID\tEMAIL\tLOGIN\tSTATE\tROLE\tCREATED")
		}
		cursor := ""
		for {
			page, err := svc.Members(ctx, g.ID, cursor, storage.MaxLimit)
			if err != nil {
				return err
			}
			for _, u := range page.Items {
				if err := printUser(e.stdout, tw, u, o.asJSON); err != nil {
					return err
				}
			}
			if cursor = page.Next; cursor == "" {
				return tw.Flush()
			}
		}
	})
}

func runGroupsAddMember(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	return groupMemberCommand(ctx, e, common, "groups add-member", args, func(svc *access.Service, g storage.Group, u storage.User) (string, error) {
		added, err := svc.AddMember(ctx, "", g.ID, u.ID)
		if !added && err == nil {
			return fmt.Sprintf("%s is already in %s", u.Email, g.Name), nil
		}
		return fmt.Sprintf("%s added to %s", u.Email, g.Name), err
	})
}

func runGroupsRemoveMember(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	return groupMemberCommand(ctx, e, common, "groups remove-member", args, func(svc *access.Service, g storage.Group, u storage.User) (string, error) {
		return fmt.Sprintf("%s removed from %s", u.Email, g.Name), svc.RemoveMember(ctx, "", g.ID, u.ID)
	})
}

func groupMemberCommand(ctx context.Context, e *env, common *commonFlags, cmd string, args []string,
	do func(*access.Service, storage.Group, storage.User) (string, error)) error {
	if len(args) != 2 {
		return fmt.Errorf("%w: %s: give GROUP and USER", errUsage, cmd)
	}
	return withAccess(ctx, e, common, func(svc *access.Service, store *sqlstore.Store) error {
		g, err := svc.Group(ctx, args[0])
		if err != nil {
			return fmt.Errorf("%s: no group with id or name %q", cmd, args[0])
		}
		u, err := userByRef(ctx, store, args[1])
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%s: no user with id, login or email %q", cmd, args[1])
		}
		if err != nil {
			return err
		}
		msg, err := do(svc, g, u)
		if err != nil {
			return describeAccessError(cmd, err)
		}
		fmt.Fprintln(e.stdout, msg)
		return nil
	})
}
