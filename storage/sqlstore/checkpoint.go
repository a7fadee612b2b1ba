package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// checkpointInterval is how often the checkpointer copies the write-ahead
// log into the database file. At a few thousand writes a second that is a
// few hundred pages a time, about what SQLite's own automatic checkpoint
// (every 1000 pages) copies.
const checkpointInterval = 250 * time.Millisecond

// walSizeLimit is the size the write-ahead log is cut back to when SQLite
// starts it over after a full checkpoint (journal_size_limit), so that a
// burst of writes does not leave a large file behind.
const walSizeLimit = 64 << 20

// checkpointer copies a file database's write-ahead log into the database
// file in the background. SQLite's automatic checkpoint runs inside the
// commit that crosses 1000 pages, fsync included, so the request that
// commits it waits, and every request queued behind the one writer with it
// (at eight concurrent ES256 client-credentials requests on one core the
// 99th percentile was six to seven times the median; 2.3 times with no
// checkpoint at all). The writer's automatic checkpoint is off
// (wal_autocheckpoint 0) and this goroutine runs PASSIVE checkpoints on a
// connection of its own instead; a passive checkpoint takes neither the
// write lock nor waits for readers, so the writer goes on committing while
// it runs. Closing the store stops it; closing the last connection then
// checkpoints what is left and removes the log, as SQLite always does.
type checkpointer struct {
	db     *sqlx.DB
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	// frames counts the log frames copied into the database file so far.
	frames atomic.Int64
}

func startCheckpointer(db *sqlx.DB, log *slog.Logger, every time.Duration) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, log: log, cancel: cancel, done: make(chan struct{})}
	go c.run(ctx, every)
	return c
}

func (c *checkpointer) run(ctx context.Context, every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := c.checkpoint(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			// Logged once per run of failures: the log grows meanwhile,
			// and the next success catches up.
			c.log.WarnContext(ctx, "sqlite checkpoint failed", slog.Any("error", err))
			failing = true
		case err == nil && failing:
			c.log.InfoContext(ctx, "sqlite checkpoint works again")
			failing = false
		}
	}
}

// checkpoint runs one passive checkpoint and counts the frames it copied.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, logFrames, copied int64
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied); err != nil {
		return fmt.Errorf("wal_checkpoint: %w", err)
	}
	if copied > 0 {
		c.frames.Add(copied)
	}
	return nil
}

// stop ends the goroutine and closes its connection.
func (c *checkpointer) stop() error {
	c.cancel()
	<-c.done
	return c.db.Close()
}
