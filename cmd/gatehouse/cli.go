package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// errHelpShown is returned after --help printed the usage: exit code 0.
var errHelpShown = errors.New("help shown")

// env is what every command gets: the process's streams and environment.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// command is one node of the command tree: a runnable command, a group of
// subcommands (users, clients, keys), or both (migrate, migrate status).
type command struct {
	name    string
	args    string // argument synopsis for usage
	summary string
	// flags declares the command's own flags on fs; may be nil.
	flags func(fs *flag.FlagSet) any
	// run executes the command with its parsed flag values (as returned by
	// flags) and positional arguments.
	run func(ctx context.Context, e *env, cfg *commonFlags, opts any, args []string) error
	sub []*command
}

// commonFlags are taken by every command.
type commonFlags struct {
	configFile string
	verbose    bool
}

func root() *command {
	return &command{
		name:    "gatehouse",
		summary: "a self-hosted OpenID Connect identity provider",
		run:     runServe,
		flags:   serveFlags,
		sub: []*command{
			{name: "serve", summary: "run the server (applies pending migrations first unless GATEHOUSE_AUTO_MIGRATE=false)", run: runServe, flags: serveFlags},
			{name: "migrate", summary: "apply pending database migrations and exit", run: runMigrate, sub: []*command{
				{name: "status", summary: "list migrations and whether each is applied", run: runMigrateStatus},
			}},
			{name: "healthcheck", summary: "exit 0 when the configured server answers /healthz", run: runHealthcheck, flags: healthcheckFlags},
			usersCommand(),
			clientsCommand(),
			groupsCommand(),             // groups.go
			registrationTokensCommand(), // registration_tokens.go
			settingsCommand(),           // settings.go
			brandingCommand(),           // branding.go
			keysCommand(),
			backupCommand(),  // backup.go
			restoreCommand(), // backup.go
			{name: "version", summary: "print the version", run: runVersion},
		},
	}
}

// run executes the command line args (without the program name).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	cmd, path := root(), []string{"gatehouse"}
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		next := cmd.child(args[0])
		if next == nil {
			break
		}
		cmd, path, args = next, append(path, args[0]), args[1:]
	}
	return cmd.execute(ctx, e, strings.Join(path, " "), args)
}

func (c *command) child(name string) *command {
	for _, s := range c.sub {
		if s.name == name {
			return s
		}
	}
	return nil
}

func (c *command) execute(ctx context.Context, e *env, path string, args []string) error {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	common := &commonFlags{}
	fs.StringVar(&common.configFile, "config", "", "YAML configuration `file` (default: $GATEHOUSE_CONFIG)")
	fs.BoolVar(&common.verbose, "verbose", false, "print log lines (commands other than serve are quiet without it)")
	var opts any
	if c.flags != nil {
		opts = c.flags(fs)
	}
	fs.Usage = func() { c.usage(fs, path) }
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelpShown
		}
		return fmt.Errorf("%w: %s: %v (see %s --help)", errUsage, path, err, path)
	}
	if c.run == nil {
		c.usage(fs, path)
		return fmt.Errorf("%w: %s needs a subcommand", errUsage, path)
	}
	if len(positional) > 0 && !c.takesArgs() {
		return fmt.Errorf("%w: %s: unknown command or argument %q (see %s --help)", errUsage, path, positional[0], path)
	}
	return c.run(ctx, e, common, opts, positional)
}

// parseInterspersed parses flags that come before or after the arguments
// (`users block --verbose ID` as `users block ID --verbose`) and returns
// the arguments in order; everything after "--" is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional, tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return append(positional, tail...), nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (c *command) takesArgs() bool { return c.args != "" }

func (c *command) usage(fs *flag.FlagSet, path string) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage: %s [flags] %s\n\n%s\n", path, c.args, c.summary)
	if len(c.sub) > 0 {
		fmt.Fprintf(w, "\nCommands:\n")
		for _, s := range c.sub {
			fmt.Fprintf(w, "  %-12s %s\n", s.name, s.summary)
		}
	}
	fmt.Fprintf(w, "\nFlags:\n")
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nSettings come from --config and GATEHOUSE_* environment variables (see README.md).\n")
}

// loadConfig loads and validates the configuration.
func loadConfig(e *env, common *commonFlags) (config.Config, error) {
	cfg, err := config.Load(common.configFile, e.getenv)
	if err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// commandLogger is the logger of a command other than serve: it prints
// nothing unless --verbose, so a command's output is its result and, on
// failure, the one line that says what is wrong.
func commandLogger(cfg config.Config, e *env, common *commonFlags) *slog.Logger {
	if !common.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return newLogger(cfg, e.stderr)
}

// newLogger builds the process logger from the configuration and makes it
// the slog default (zitadel/oidc logs through slog.Default).
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	logger := slog.New(h)
	if w == os.Stderr {
		slog.SetDefault(logger)
	}
	return logger
}
