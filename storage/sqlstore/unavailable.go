package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse/gatehouse/storage"
)

// classify marks an error that means "the database is unreachable" with
// storage.ErrUnavailable (keeping the driver's error in the chain for the
// log) and notes it in ctx's storage.UnavailableWatch. Other errors pass
// through unchanged.
func classify(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, storage.ErrUnavailable) || !isUnavailable(err) {
		return err
	}
	storage.NoteUnavailable(ctx)
	return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
}

// isUnavailable tells outages from answers: the connection could not be
// made or broke (refused, reset, closed, timed out), the pool handed out a
// dead connection, the query's deadline passed, or the server said it is
// shutting down, starting up or out of connections.
func isUnavailable(err error) bool {
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		code := string(pqErr.Code)
		return strings.HasPrefix(code, "08") || // connection exception
			code == "57P01" || code == "57P02" || code == "57P03" || // shutting down, crash, cannot connect now
			code == "53300" // too many connections
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		switch liteErr.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}
