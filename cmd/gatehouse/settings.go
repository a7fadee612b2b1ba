package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/gatehouse/gatehouse/internal/account"
)

// settingsCommand reads and changes instance settings (the same account
// code as PATCH /api/v1/settings). Running servers see a change within
// seconds.
func settingsCommand() *command {
	return &command{name: "settings", summary: "read and change instance settings", sub: []*command{
		{name: "get", args: "[KEY]", summary: "print every setting, or one (its JSON value)", run: runSettingsGet},
		{name: "set", args: "KEY VALUE", summary: "change a setting; VALUE is JSON, or a bare word taken as a string", run: runSettingsSet},
	}}
}

func runSettingsGet(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) > 1 {
		return fmt.Errorf("%w: settings get takes at most one KEY", errUsage)
	}
	return withRegistrar(ctx, e, common, func(r *account.Registrar) error {
		values, err := settingValues(ctx, r)
		if err != nil {
			return err
		}
		if len(args) == 1 {
			v, ok := values[args[0]]
			if !ok {
				return fmt.Errorf("%w: settings get: unknown key %q (known: %v)", errUsage, args[0], sortedSettingKeys(values))
			}
			fmt.Fprintln(e.stdout, string(v))
			return nil
		}
		for _, k := range sortedSettingKeys(values) {
			fmt.Fprintf(e.stdout, "%s\t%s\n", k, values[k])
		}
		return nil
	})
}

func runSettingsSet(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("%w: settings set needs KEY VALUE", errUsage)
	}
	key, value := args[0], json.RawMessage(args[1])
	if !json.Valid(value) {
		value, _ = json.Marshal(args[1])
	}
	return withRegistrar(ctx, e, common, func(r *account.Registrar) error {
		_, err := r.SetSetting(ctx, key, value, "")
		if errors.Is(err, account.ErrUnknownSetting) || errors.Is(err, account.ErrInvalid) {
			return fmt.Errorf("%w: settings set: %v", errUsage, err)
		}
		if err != nil {
			return err
		}
		values, err := settingValues(ctx, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\t%s\n", key, values[key])
		return nil
	})
}

// settingValues returns every instance setting's JSON value by key.
func settingValues(ctx context.Context, r *account.Registrar) (map[string]json.RawMessage, error) {
	rs, err := r.Settings(ctx)
	if err != nil {
		return nil, err
	}
	values, err := rs.SettingValues()
	if err != nil {
		return nil, err
	}
	l, err := r.SessionSettings(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(values, l.SessionSettingValues())
	cs, err := r.ConsoleSettings(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(values, cs.ConsoleSettingValues())
	ps, err := r.ProtocolSettings(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(values, ps.ProtocolSettingValues())
	return values, nil
}

func sortedSettingKeys(values map[string]json.RawMessage) []string {
	return slices.Sorted(maps.Keys(values))
}
