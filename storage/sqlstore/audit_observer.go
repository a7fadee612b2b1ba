package sqlstore

import (
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/storage"
)

// ObserveAudit makes fn see every audit event once it is committed: at
// once outside a transaction, after the commit inside one (an event of a
// transaction that rolls back is never seen). The server counts sign-ins,
// registrations, resets and MFA from them (internal/metrics). fn runs on
// the committing goroutine and must be quick; set it before serving.
func (s *Store) ObserveAudit(fn func(storage.AuditEvent)) {
	s.h.audit.fn.Store(&fn)
}

// auditSink holds the observer; shared by every handle of one Store.
type auditSink struct {
	fn atomic.Pointer[func(storage.AuditEvent)]
}

func (a *auditSink) notify(events []storage.AuditEvent) {
	if a == nil {
		return
	}
	fn := a.fn.Load()
	if fn == nil {
		return
	}
	for _, e := range events {
		(*fn)(e)
	}
}

// pendingAudit collects a transaction's events until it commits.
type pendingAudit struct {
	mu     sync.Mutex
	events []storage.AuditEvent
}

func (p *pendingAudit) take() []storage.AuditEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	events := p.events
	p.events = nil
	return events
}

// committedOrPending passes an appended event on: to the observer now when
// h is not a transaction, or to the transaction's pending list.
func (h handle) committedOrPending(e storage.AuditEvent) {
	if h.pending == nil {
		h.audit.notify([]storage.AuditEvent{e})
		return
	}
	h.pending.mu.Lock()
	h.pending.events = append(h.pending.events, e)
	h.pending.mu.Unlock()
}
