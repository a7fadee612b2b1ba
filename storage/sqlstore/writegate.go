package sqlstore

import "context"

// writeGate queues the users of a SQLite file database's one writer
// connection in the order they arrive. database/sql hands a freed
// connection to a random waiter (Go 1.22 and later), so behind a busy
// writer an unlucky request could wait for many later ones: at 16
// concurrent token requests the 99th percentile was 6 to 10 times the
// median. Every use of the writer pool takes the gate first, for one
// statement or for the whole of a transaction, so the pool itself never
// has a waiter; the gate's waiters are senders on a channel, which Go
// serves first come, first served.
//
// A nil gate (Postgres, whose pool has many connections; a handle inside a
// transaction, which already holds the gate) lets everything through.
type writeGate chan struct{}

func newWriteGate() writeGate { return make(writeGate, 1) }

// acquire waits for the gate, in arrival order, or until ctx ends; the
// context's error is classified like a query's (a deadline is
// storage.ErrUnavailable). Call release when done with the writer.
func (g writeGate) acquire(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return classify(ctx, ctx.Err())
	}
}

// release lets the next waiter in.
func (g writeGate) release() {
	if g != nil {
		<-g
	}
}

// hold runs fn holding the gate.
func (g writeGate) hold(ctx context.Context, fn func() error) error {
	if err := g.acquire(ctx); err != nil {
		return err
	}
	defer g.release()
	return fn()
}
