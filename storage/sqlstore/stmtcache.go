package sqlstore

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// maxCachedStmts bounds a pool's statement cache. The queries are the
// package's own text (no variable IN-lists; the dynamic WHERE clauses of
// the list methods combine a few fixed conditions), a few hundred at most;
// the bound only keeps a mistake from preparing without limit. A query
// that finds the cache full runs unprepared.
const maxCachedStmts = 512

// stmtCache holds the prepared statements of one pool, keyed by query text
// as the entity stores write it (with ? placeholders; a store has one
// dialect, so the key determines the rebound text). Each is prepared once,
// however many callers want it at the same time; database/sql then
// prepares it on each connection that runs it, once per connection, and
// again on a new connection after one breaks. SQLite then skips parsing
// the statement (sqlite3_prepare_v2, a third of a simple read), Postgres a
// Parse round trip.
//
// Inside a transaction a statement is only taken from the cache
// (Tx.StmtxContext, which reuses the statement of the transaction's
// connection), never prepared on the pool: on SQLite the transaction holds
// the pool's only writer connection. A query first seen inside a
// transaction runs unprepared and is noted; the next transaction or write
// prepares it before it takes the writer (prepareWanted).
type stmtCache struct {
	db *sqlx.DB
	d  dialect

	mu      sync.Mutex
	entries map[string]*stmtEntry
	wanted  map[string]struct{}
	retired []*sqlx.Stmt // replaced by reset; closed by close
	closed  bool
}

type stmtEntry struct {
	ready chan struct{} // closed once stmt is set
	stmt  *sqlx.Stmt    // nil when preparing failed (the entry is then gone)
}

func newStmtCache(db *sqlx.DB, d dialect) *stmtCache {
	return &stmtCache{db: db, d: d, entries: map[string]*stmtEntry{}, wanted: map[string]struct{}{}}
}

// get returns the prepared statement of query, preparing it on first use;
// nil when the query is to run unprepared: the cache is full or closed,
// preparing failed (the next call tries again), or ctx ended while another
// caller was preparing it. It takes a connection of the pool when it
// prepares: call it on the writer pool only outside a transaction, holding
// the write gate.
func (c *stmtCache) get(ctx context.Context, query string) *sqlx.Stmt {
	c.mu.Lock()
	e, ok := c.entries[query]
	if ok {
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.stmt
		case <-ctx.Done():
			return nil
		}
	}
	if c.closed || len(c.entries) >= maxCachedStmts {
		c.mu.Unlock()
		return nil
	}
	e = &stmtEntry{ready: make(chan struct{})}
	c.entries[query] = e
	delete(c.wanted, query)
	c.mu.Unlock()

	stmt, err := c.db.PreparexContext(ctx, c.d.rebind(query))
	c.mu.Lock()
	switch {
	case err != nil:
		c.forget(query, e)
	case c.closed: // Close ran meanwhile
		_ = stmt.Close()
		c.forget(query, e)
	default:
		e.stmt = stmt
	}
	c.mu.Unlock()
	close(e.ready)
	return e.stmt
}

// forget removes e, unless reset already replaced it. Call with mu held.
func (c *stmtCache) forget(query string, e *stmtEntry) {
	if c.entries[query] == e {
		delete(c.entries, query)
	}
}

// lookup returns the statement of query if it is prepared, without
// preparing it; otherwise it notes the query for prepareWanted.
func (c *stmtCache) lookup(query string) *sqlx.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[query]; ok {
		select {
		case <-e.ready:
			return e.stmt
		default: // being prepared
			return nil
		}
	}
	if len(c.entries)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = struct{}{}
	}
	return nil
}

// prepareWanted prepares the queries lookup noted. Call it where get may
// prepare: holding the write gate, before a transaction begins.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range queries {
		c.get(ctx, q)
	}
}

// reset forgets every statement, for a changed schema (Migrate): they are
// prepared again on their next use. Statements in use meanwhile stay open
// until close.
func (c *stmtCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, e := range c.entries {
		select {
		case <-e.ready:
			if e.stmt != nil {
				c.retired = append(c.retired, e.stmt)
			}
			delete(c.entries, q)
		default: // being prepared: its preparer stores it
		}
	}
	clear(c.wanted)
}

// close closes every statement; later calls run unprepared.
func (c *stmtCache) close() error {
	c.mu.Lock()
	c.closed = true
	stmts := c.retired
	c.retired = nil
	for q, e := range c.entries {
		select {
		case <-e.ready:
			if e.stmt != nil {
				stmts = append(stmts, e.stmt)
			}
			delete(c.entries, q)
		default: // being prepared: its preparer sees closed and closes it
		}
	}
	c.mu.Unlock()
	var first error
	for _, s := range stmts {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// size is how many statements are prepared or being prepared.
func (c *stmtCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
