package mail

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// memOutbox is an in-memory storage.OutboxStore with the same claim
// semantics as the SQL store: ClaimDue leases atomically under one lock.
type memOutbox struct {
	mu   sync.Mutex
	msgs []storage.OutboxMessage // in insertion order
	seq  int

	failClaims bool            // ClaimDue returns an error while set
	failMarks  int             // the next failMarks MarkSent calls fail
	waits      []time.Duration // next-now of every MarkFailed, in order
}

var _ storage.OutboxStore = (*memOutbox)(nil)

func (s *memOutbox) Enqueue(_ context.Context, m *storage.OutboxMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.ID = storage.NewID()
	m.CreatedAt = storage.Time(time.Now()).Add(time.Duration(s.seq)) // strictly increasing
	m.NextAttemptAt = time.Time{}
	s.msgs = append(s.msgs, *m)
	return nil
}

func (s *memOutbox) ClaimDue(_ context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failClaims {
		return nil, fmt.Errorf("outbox: %w", storage.ErrConflict)
	}
	var out []storage.OutboxMessage
	for i := range s.msgs {
		m := &s.msgs[i]
		if len(out) == limit || !m.SentAt.IsZero() || !m.AbandonedAt.IsZero() || m.NextAttemptAt.After(now) {
			continue
		}
		m.NextAttemptAt = now.Add(lease)
		out = append(out, *m)
	}
	return out, nil
}

func (s *memOutbox) find(id string) (*storage.OutboxMessage, error) {
	for i := range s.msgs {
		if s.msgs[i].ID == id {
			return &s.msgs[i], nil
		}
	}
	return nil, fmt.Errorf("outbox %s: %w", id, storage.ErrNotFound)
}

func (s *memOutbox) MarkSent(_ context.Context, id string, now time.Time) error {
	return s.markSent(id, now, true)
}

func (s *memOutbox) MarkCaptured(_ context.Context, id string, now time.Time) error {
	return s.markSent(id, now, false)
}

func (s *memOutbox) markSent(id string, now time.Time, erase bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failMarks > 0 {
		s.failMarks--
		return fmt.Errorf("outbox: %w", storage.ErrUnavailable)
	}
	m, err := s.find(id)
	if err != nil {
		return err
	}
	if m.SentAt.IsZero() {
		m.SentAt = now
	}
	if erase {
		m.TextBody, m.HTMLBody = "", ""
	}
	return nil
}

func (s *memOutbox) EraseBodiesBefore(_ context.Context, t time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for i := range s.msgs {
		m := &s.msgs[i]
		done := m.SentAt
		if done.IsZero() {
			done = m.AbandonedAt
		}
		if !done.IsZero() && done.Before(t) && (m.TextBody != "" || m.HTMLBody != "") {
			m.TextBody, m.HTMLBody = "", ""
			n++
		}
	}
	return n, nil
}

func (s *memOutbox) MarkFailed(_ context.Context, id string, now, next time.Time, lastError string, abandon bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.find(id)
	if err != nil {
		return err
	}
	m.Attempts++
	s.waits = append(s.waits, next.Sub(now))
	m.LastError = lastError
	m.NextAttemptAt = next
	if abandon {
		m.AbandonedAt = now
		m.TextBody, m.HTMLBody = "", ""
	}
	return nil
}

func (s *memOutbox) List(_ context.Context, cursor string, limit int) (storage.Page[storage.OutboxMessage], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	newest := slices.Clone(s.msgs)
	slices.Reverse(newest)
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil {
			return storage.Page[storage.OutboxMessage]{}, storage.ErrInvalid
		}
		start = n
	}
	if limit <= 0 {
		limit = storage.DefaultLimit
	}
	end := min(start+limit, len(newest))
	page := storage.Page[storage.OutboxMessage]{Items: newest[min(start, end):end]}
	if end < len(newest) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

func (s *memOutbox) ByID(_ context.Context, id string) (storage.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.find(id)
	if err != nil {
		return storage.OutboxMessage{}, err
	}
	return *m, nil
}

func (s *memOutbox) DeleteSentBefore(_ context.Context, t time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := len(s.msgs)
	s.msgs = slices.DeleteFunc(s.msgs, func(m storage.OutboxMessage) bool {
		done := m.SentAt
		if done.IsZero() {
			done = m.AbandonedAt
		}
		return !done.IsZero() && done.Before(t)
	})
	return int64(before - len(s.msgs)), nil
}

// get returns a copy of the message with id, for assertions.
func (s *memOutbox) get(id string) storage.OutboxMessage {
	m, _ := s.ByID(context.Background(), id)
	return m
}

func (s *memOutbox) setFailClaims(v bool) {
	s.mu.Lock()
	s.failClaims = v
	s.mu.Unlock()
}
