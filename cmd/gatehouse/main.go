package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// errUsage marks a command line the program cannot understand.
var errUsage = errors.New("usage")

// badInputError is input the command understood but refuses (a password
// the policy refuses, a taken address): exit code 2 like a usage error,
// its message alone.
type badInputError struct{ msg string }

func (e badInputError) Error() string { return e.msg }

func badInput(format string, a ...any) error { return badInputError{msg: fmt.Sprintf(format, a...)} }

// exitCode prints err (one line) and maps it to the process exit code:
// 0 success or --help, 2 bad usage or configuration, 1 anything else.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.Is(err, config.ErrInvalid), errors.Is(err, errUsage), errors.As(err, new(badInputError)):
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return 1
	}
}
