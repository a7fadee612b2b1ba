package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/gatehouse/gatehouse/storage"
)

// queryer is what both *sqlx.DB and *sqlx.Tx offer.
type queryer interface {
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// handle runs the queries of the entity stores: reads on r, writes on w
// (the same transaction inside InTx). Queries use ? placeholders. db is the
// writer pool outside a transaction, where atomic begins one; nil inside.
// Outside a transaction every write and transaction holds gate (SQLite
// file databases; nil otherwise, and inside a transaction). Statements come
// prepared from rs (the read pool's cache) and ws (the writer pool's; the
// same cache when there is one pool); tx is the transaction inside one.
type handle struct {
	d      dialect
	r      queryer
	w      queryer
	db     *sqlx.DB
	tx     *sqlx.Tx
	gate   writeGate
	rs, ws *stmtCache
	// audit tells the observer of committed audit events (audit_observer.go);
	// inside a transaction events wait in pending until it commits.
	audit   *auditSink
	pending *pendingAudit
}

// atomic runs fn in one transaction: a new one on the writer pool, or the
// transaction h already is. Use it when a store method makes several
// statements that must commit together.
func (h handle) atomic(ctx context.Context, fn func(h handle) error) error {
	if h.db == nil {
		return fn(h)
	}
	pending := &pendingAudit{}
	err := h.gate.hold(ctx, func() error {
		h.ws.prepareWanted(ctx)
		tx, err := h.db.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", classify(ctx, err))
		}
		committed := false
		defer func() {
			if !committed {
				_ = tx.Rollback() // the error, if any, is fn's or the panic
			}
		}()
		if err := fn(h.inTx(tx, pending)); err != nil {
			return err
		}
		committed = true
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit transaction: %w", classify(ctx, mapErr(err)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.audit.notify(pending.take())
	return nil
}

// inTx is the handle of a transaction of h's writer pool.
func (h handle) inTx(tx *sqlx.Tx, pending *pendingAudit) handle {
	return handle{d: h.d, r: tx, w: tx, tx: tx, ws: h.ws, audit: h.audit, pending: pending}
}

// stmt returns the prepared statement to run query with, or nil to run
// the text: outside a transaction from the cache c of the pool that runs
// it (preparing it on first use); inside one, the writer pool's cached
// statement on the transaction's connection, if it is cached.
func (h handle) stmt(ctx context.Context, c *stmtCache, query string) *sqlx.Stmt {
	if h.tx != nil {
		if parent := h.ws.lookup(query); parent != nil {
			return h.tx.StmtxContext(ctx, parent)
		}
		return nil
	}
	if c == nil {
		return nil
	}
	return c.get(ctx, query)
}

// getOn reads one row with query on q (or its prepared statement from c).
func (h handle) getOn(ctx context.Context, q queryer, c *stmtCache, dest any, query string, args ...any) error {
	if st := h.stmt(ctx, c, query); st != nil {
		return classify(ctx, st.GetContext(ctx, dest, args...))
	}
	return classify(ctx, q.GetContext(ctx, dest, h.d.rebind(query), args...))
}

// selectOn reads every row with query on q (or its prepared statement).
func (h handle) selectOn(ctx context.Context, q queryer, c *stmtCache, dest any, query string, args ...any) error {
	if st := h.stmt(ctx, c, query); st != nil {
		return classify(ctx, st.SelectContext(ctx, dest, args...))
	}
	return classify(ctx, q.SelectContext(ctx, dest, h.d.rebind(query), args...))
}

// get reads one row into dest; sql.ErrNoRows when there is none.
func (h handle) get(ctx context.Context, dest any, query string, args ...any) error {
	return h.getOn(ctx, h.r, h.rs, dest, query, args...)
}

// getWrite runs a write that returns one row (UPDATE ... RETURNING) on the
// writer and reads the row into dest; sql.ErrNoRows when it changed none.
func (h handle) getWrite(ctx context.Context, dest any, query string, args ...any) error {
	return h.gate.hold(ctx, func() error {
		return h.getOn(ctx, h.w, h.ws, dest, query, args...)
	})
}

// takeRow deletes the row of table with id and reads it into a R, in one
// statement, so that of two callers only one gets it; what names the
// operation in errors (storage.ErrNotFound when there is no such row).
func takeRow[R any](ctx context.Context, h handle, what, table, columns, id string) (R, error) {
	var row R
	err := h.getWrite(ctx, &row, `DELETE FROM `+table+` WHERE id = ? RETURNING `+columns, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return row, fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	case err != nil:
		return row, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	return row, nil
}

// selectWrite runs a write that returns rows (UPDATE ... RETURNING) on the
// writer and reads every row into the slice dest points to.
func (h handle) selectWrite(ctx context.Context, dest any, query string, args ...any) error {
	return h.gate.hold(ctx, func() error {
		return h.selectOn(ctx, h.w, h.ws, dest, query, args...)
	})
}

// selectRows reads every row into the slice dest points to.
func (h handle) selectRows(ctx context.Context, dest any, query string, args ...any) error {
	return h.selectOn(ctx, h.r, h.rs, dest, query, args...)
}

// exec runs a write and returns how many rows it changed.
func (h handle) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	err := h.gate.hold(ctx, func() (err error) {
		if st := h.stmt(ctx, h.ws, query); st != nil {
			res, err = st.ExecContext(ctx, args...)
		} else {
			res, err = h.w.ExecContext(ctx, h.d.rebind(query), args...)
		}
		return classify(ctx, err)
	})
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

// where collects the conditions of a dynamic WHERE clause.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// String is " WHERE a AND b", or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likeContains is a LIKE pattern (with ESCAPE '\') matching s anywhere.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
