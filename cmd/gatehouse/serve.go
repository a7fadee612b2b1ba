package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
)

func serveFlags(*flag.FlagSet) any { return nil }

// runServe validates everything, opens and migrates the database, then
// listens. Nothing is started when any step fails.
func runServe(ctx context.Context, e *env, common *commonFlags, _ any, _ []string) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, e.stderr)
	defer applyMemoryLimit(cfg, e.getenv, logger)() // memory.go
	srv, err := server.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	releaseStartupMemory() // memory.go: before the first admin's 19 MiB hash, not beside it
	first, created, err := srv.BootstrapAdmin(ctx)
	if err != nil {
		_ = ln.Close()
		return err
	}
	printBanner(e.stdout, cfg, srv, ln.Addr())
	if created {
		printFirstAdmin(e.stdout, cfg, first)
		releaseStartupMemory() // its hash's memory
	}
	logger.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("issuer", cfg.Issuer))
	return srv.Serve(ctx, ln)
}

func printBanner(w io.Writer, cfg config.Config, srv *server.Server, addr net.Addr) {
	fmt.Fprintf(w, "Gatehouse %s\n", version())
	fmt.Fprintf(w, "  listening on  %s\n", addr)
	fmt.Fprintf(w, "  issuer        %s\n", cfg.Issuer)
	fmt.Fprintf(w, "  database      %s\n", config.RedactURL(cfg.DatabaseURL))
	if src := srv.KeySource(); src.Path != "" {
		note := ""
		if src.Generated {
			note = " (generated now; keep it safe and back it up with the database)"
		}
		fmt.Fprintf(w, "  instance key  %s%s\n", src.Path, note)
	} else {
		fmt.Fprintf(w, "  instance key  from GATEHOUSE_SECRET_KEY\n")
	}
	fmt.Fprintf(w, "  mail          %s\n", mailDestination(cfg))
	if cfg.Dev {
		fmt.Fprintf(w, "  DEV MODE ON   http issuer allowed, test conveniences enabled; never use in production\n")
	}
}

// printFirstAdmin tells the operator, once, how to sign in as the
// administrator created on the empty database. The password goes to
// standard output only, never to the log.
func printFirstAdmin(w io.Writer, cfg config.Config, first account.BootstrapAdmin) {
	fmt.Fprintf(w, "  first admin   sign in at %s/admin as %q (address %s) with the one-time password %s\n",
		cfg.Issuer, first.User.Username, first.User.Email, first.Password)
	fmt.Fprintf(w, "                (you choose your own password right after signing in; this one is not shown again)\n")
}

func mailDestination(cfg config.Config) string {
	switch {
	case cfg.SMTPURL != "":
		return "SMTP " + config.RedactURL(cfg.SMTPURL)
	case cfg.Dev:
		return "no SMTP configured: letters are captured, listed at " + cfg.Issuer + "/dev/mail and logged with their links"
	}
	return "no SMTP configured: letters are captured in the database and NOT delivered (set GATEHOUSE_SMTP_URL)"
}
