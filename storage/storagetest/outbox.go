package storagetest

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) outbox(t *testing.T) {
	s.group(t, "Outbox",
		sub("EnqueueAndByID", testOutboxRoundTrip),
		sub("EnqueueKeepsGivenFields", testOutboxGiven),
		sub("EnqueueRejectsInvalid", testOutboxInvalid),
		sub("ByIDNotFound", testOutboxNotFound),
		sub("DeleteSentBefore", testOutboxDeleteSent),
		sub("ClaimDue", testOutboxClaimDue),
		sub("ClaimDueLimitAndOrder", testOutboxClaimLimit),
		sub("ClaimDueRejectsInvalid", testOutboxClaimInvalid),
		sub("MarkSent", testOutboxMarkSent),
		sub("MarkFailed", testOutboxMarkFailed),
		sub("BodiesErased", testOutboxBodiesErased),
		sub("List", testOutboxList),
		sub("EnqueueInTx", testOutboxInTx),
		sub("RegistrationRollsBack", testRegistrationRollback),
		sub("ParallelClaims", testParallelOutboxClaims),
	)
}

// newMessage returns a letter to a fresh address created at at (zero: now).
func newMessage(at time.Time) storage.OutboxMessage {
	return storage.OutboxMessage{
		To: "to-" + storage.NewID() + "@example.test", Subject: "Confirm your address",
		TextBody: "Open https://id.example.test/verify?t=x", HTMLBody: "<p>Open the link</p>",
		Kind: "verify_email", CreatedAt: at,
	}
}

// enqueue stores a message created at at, due at next (zero: when
// created), and returns it as stored.
func enqueue(t *testing.T, st storage.Stores, at, next time.Time) storage.OutboxMessage {
	t.Helper()
	m := newMessage(at)
	m.NextAttemptAt = next
	noErr(t, st.Outbox().Enqueue(t.Context(), &m))
	return m
}

// drainOutbox leases every waiting message of the group's store until far
// in the future, so that a test of ClaimDue sees only its own messages.
func drainOutbox(t *testing.T, st storage.Store) {
	t.Helper()
	far := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	for {
		got, err := st.Outbox().ClaimDue(t.Context(), far, time.Hour, storage.MaxLimit)
		noErr(t, err)
		if len(got) == 0 {
			return
		}
	}
}

func messageIDs(l []storage.OutboxMessage) []string {
	ids := make([]string, len(l))
	for i, m := range l {
		ids[i] = m.ID
	}
	return ids
}

func wantMessages(t *testing.T, what string, got, want []storage.OutboxMessage) {
	t.Helper()
	if g, w := messageIDs(got), messageIDs(want); !slices.Equal(g, w) {
		t.Fatalf("%s returned %v, want %v", what, g, w)
	}
}

func claim(t *testing.T, st storage.Store, now time.Time, lease time.Duration, limit int) []storage.OutboxMessage {
	t.Helper()
	got, err := st.Outbox().ClaimDue(t.Context(), now, lease, limit)
	noErr(t, err)
	return got
}

func byIDMessage(t *testing.T, st storage.Store, id string) storage.OutboxMessage {
	t.Helper()
	m, err := st.Outbox().ByID(t.Context(), id)
	noErr(t, err)
	return m
}

func testOutboxRoundTrip(t *testing.T, st storage.Store) {
	before := time.Now().Add(-time.Millisecond)
	m := newMessage(time.Time{})
	noErr(t, st.Outbox().Enqueue(t.Context(), &m))
	if len(m.ID) != storage.IDLength {
		t.Fatalf("Enqueue set ID %q, want %d characters", m.ID, storage.IDLength)
	}
	wantUTCMillis(t, "CreatedAt", m.CreatedAt)
	if m.CreatedAt.Before(before) || m.CreatedAt.After(time.Now()) {
		t.Fatalf("CreatedAt %v is not now", m.CreatedAt)
	}
	if !m.NextAttemptAt.Equal(m.CreatedAt) || m.Attempts != 0 || !m.SentAt.IsZero() || !m.AbandonedAt.IsZero() {
		t.Fatalf("a new message is not waiting to be sent now: %+v", m)
	}
	got := byIDMessage(t, st, m.ID)
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("ByID:\n got %+v\nwant %+v", got, m)
	}
	wantUTCMillis(t, "read NextAttemptAt", got.NextAttemptAt)
}

func testOutboxGiven(t *testing.T, st storage.Store) {
	m := newMessage(clock().Add(123 * time.Microsecond))
	m.ID, m.NextAttemptAt = "msg-"+storage.NewID(), clock().Add(time.Hour+456*time.Microsecond)
	m.TextBody, m.HTMLBody = "Привет, мир\n", "" // no HTML part
	noErr(t, st.Outbox().Enqueue(t.Context(), &m))
	if !m.CreatedAt.Equal(clock()) || !m.NextAttemptAt.Equal(clock().Add(time.Hour)) {
		t.Fatalf("Enqueue set times %v, %v", m.CreatedAt, m.NextAttemptAt)
	}
	if got := byIDMessage(t, st, m.ID); !reflect.DeepEqual(got, m) {
		t.Fatalf("ByID:\n got %+v\nwant %+v", got, m)
	}
}

func testOutboxInvalid(t *testing.T, st storage.Store) {
	for name, mod := range map[string]func(*storage.OutboxMessage){
		"no recipient":          func(m *storage.OutboxMessage) { m.To = "" },
		"CRLF in recipient":     func(m *storage.OutboxMessage) { m.To = "a@example.test\r\nBcc: b@example.test" },
		"LF in subject":         func(m *storage.OutboxMessage) { m.Subject = "Hello\nBcc: b@example.test" },
		"negative attempts":     func(m *storage.OutboxMessage) { m.Attempts = -1 },
		"CR alone in subject":   func(m *storage.OutboxMessage) { m.Subject = "Hello\rX: y" },
		"LF alone in recipient": func(m *storage.OutboxMessage) { m.To = "a@example.test\n" },
	} {
		m := newMessage(clock())
		mod(&m)
		if err := st.Outbox().Enqueue(t.Context(), &m); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Enqueue = %v, want ErrInvalid", name, err)
		}
	}
	m := enqueue(t, st, clock(), time.Time{})
	dup := newMessage(clock())
	dup.ID = m.ID
	wantErr(t, st.Outbox().Enqueue(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testOutboxNotFound(t *testing.T, st storage.Store) {
	_, err := st.Outbox().ByID(t.Context(), storage.NewID())
	wantErr(t, err, storage.ErrNotFound)
}

// testOutboxDeleteSent works in epoch(), before every other message of
// the group was sent or abandoned.
func testOutboxDeleteSent(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), epoch()
	oldSent := enqueue(t, st, now.Add(-2*time.Hour), time.Time{})
	noErr(t, st.Outbox().MarkSent(ctx, oldSent.ID, now.Add(-time.Hour)))
	newSent := enqueue(t, st, now.Add(-2*time.Hour), time.Time{})
	noErr(t, st.Outbox().MarkSent(ctx, newSent.ID, now))
	oldAbandoned := enqueue(t, st, now.Add(-2*time.Hour), time.Time{})
	noErr(t, st.Outbox().MarkFailed(ctx, oldAbandoned.ID, now.Add(-time.Hour), now, "550 no such user", true))
	newAbandoned := enqueue(t, st, now.Add(-2*time.Hour), time.Time{})
	noErr(t, st.Outbox().MarkFailed(ctx, newAbandoned.ID, now.Add(time.Minute), now, "550 no such user", true))
	failedOnce := enqueue(t, st, now.Add(-48*time.Hour), time.Time{}) // old, still waiting
	noErr(t, st.Outbox().MarkFailed(ctx, failedOnce.ID, now.Add(-time.Hour), now.Add(time.Hour), "timeout", false))
	waiting := enqueue(t, st, now.Add(-48*time.Hour), time.Time{})

	n, err := st.Outbox().DeleteSentBefore(ctx, now)
	noErr(t, err)
	wantN(t, "DeleteSentBefore", n, 2)
	for _, m := range []storage.OutboxMessage{oldSent, oldAbandoned} {
		_, err := st.Outbox().ByID(ctx, m.ID)
		wantErr(t, err, storage.ErrNotFound)
	}
	for _, m := range []storage.OutboxMessage{newSent, newAbandoned, failedOnce, waiting} {
		byIDMessage(t, st, m.ID)
	}
}

func testOutboxClaimDue(t *testing.T, st storage.Store) {
	drainOutbox(t, st)
	ctx, t0 := t.Context(), clock()
	due := []storage.OutboxMessage{
		enqueue(t, st, t0.Add(-3*time.Minute), t0.Add(-2*time.Minute)),
		enqueue(t, st, t0.Add(-2*time.Minute), time.Time{}),
		enqueue(t, st, t0.Add(-time.Minute), t0), // due exactly now
	}
	notYet := enqueue(t, st, t0, t0.Add(time.Millisecond))
	sent := enqueue(t, st, t0.Add(-4*time.Minute), time.Time{})
	noErr(t, st.Outbox().MarkSent(ctx, sent.ID, t0.Add(-time.Minute)))
	abandoned := enqueue(t, st, t0.Add(-4*time.Minute), time.Time{})
	noErr(t, st.Outbox().MarkFailed(ctx, abandoned.ID, t0.Add(-time.Minute), t0.Add(-time.Minute), "550", true))

	got := claim(t, st, t0, time.Minute, 10)
	wantMessages(t, "ClaimDue", got, due)
	for i, m := range got {
		want := due[i]
		want.NextAttemptAt = t0.Add(time.Minute) // the lease
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("claimed:\n got %+v\nwant %+v", m, want)
		}
		wantUTCMillis(t, "claimed NextAttemptAt", m.NextAttemptAt)
		if stored := byIDMessage(t, st, m.ID); !stored.NextAttemptAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("stored NextAttemptAt %v, want the end of the lease", stored.NextAttemptAt)
		}
	}
	// Leased: no other worker takes them until the lease runs out.
	wantMessages(t, "ClaimDue during the lease", claim(t, st, t0, time.Minute, 10), nil)
	endOfLease := t0.Add(time.Minute)
	wantMessages(t, "ClaimDue at the end of the lease", claim(t, st, endOfLease.Add(-time.Millisecond), time.Minute, 10),
		[]storage.OutboxMessage{notYet})
	// A worker that died holding the lease: the messages come back.
	wantMessages(t, "ClaimDue after the lease", claim(t, st, endOfLease, time.Minute, 10), due)
}

// testOutboxClaimLimit: with a limit, the messages due longest are
// claimed first; they come back oldest first.
func testOutboxClaimLimit(t *testing.T, st storage.Store) {
	drainOutbox(t, st)
	t0 := clock()
	a := enqueue(t, st, t0.Add(-3*time.Minute), t0.Add(-time.Minute))
	b := enqueue(t, st, t0.Add(-2*time.Minute), t0.Add(-2*time.Minute))
	c := enqueue(t, st, t0.Add(-time.Minute), t0.Add(-3*time.Minute))
	wantMessages(t, "first ClaimDue", claim(t, st, t0, time.Minute, 2), []storage.OutboxMessage{b, c})
	wantMessages(t, "second ClaimDue", claim(t, st, t0, time.Minute, 2), []storage.OutboxMessage{a})
	wantMessages(t, "third ClaimDue", claim(t, st, t0, time.Minute, 2), nil)
	// limit 0 means DefaultLimit
	wantMessages(t, "ClaimDue limit 0", claim(t, st, t0.Add(time.Minute), time.Minute, 0), []storage.OutboxMessage{a, b, c})
}

func testOutboxClaimInvalid(t *testing.T, st storage.Store) {
	for _, lease := range []time.Duration{0, -time.Minute, time.Microsecond} {
		_, err := st.Outbox().ClaimDue(t.Context(), clock(), lease, 10)
		wantErr(t, err, storage.ErrInvalid)
	}
}

func testOutboxMarkSent(t *testing.T, st storage.Store) {
	drainOutbox(t, st)
	ctx, t0 := t.Context(), clock()
	m := enqueue(t, st, t0, time.Time{})
	wantMessages(t, "ClaimDue", claim(t, st, t0, time.Minute, 10), []storage.OutboxMessage{m})
	noErr(t, st.Outbox().MarkSent(ctx, m.ID, t0.Add(time.Second)))
	got := byIDMessage(t, st, m.ID)
	if !got.SentAt.Equal(t0.Add(time.Second)) || got.Attempts != 0 || !got.AbandonedAt.IsZero() ||
		got.TextBody != "" || got.HTMLBody != "" || got.To != m.To || got.Subject != m.Subject || got.Kind != m.Kind {
		t.Fatalf("after MarkSent (bodies erased, the rest kept): %+v", got)
	}
	wantUTCMillis(t, "SentAt", got.SentAt)
	noErr(t, st.Outbox().MarkSent(ctx, m.ID, t0.Add(time.Hour))) // again: keeps the first time
	if got := byIDMessage(t, st, m.ID); !got.SentAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("second MarkSent moved SentAt to %v", got.SentAt)
	}
	wantMessages(t, "ClaimDue after MarkSent", claim(t, st, t0.Add(time.Hour), time.Minute, 10), nil)
	wantErr(t, st.Outbox().MarkSent(ctx, storage.NewID(), t0), storage.ErrNotFound)
}

func testOutboxMarkFailed(t *testing.T, st storage.Store) {
	drainOutbox(t, st)
	ctx, t0 := t.Context(), clock()
	m := enqueue(t, st, t0, time.Time{})
	claim(t, st, t0, time.Minute, 10)
	noErr(t, st.Outbox().MarkFailed(ctx, m.ID, t0.Add(time.Second), t0.Add(5*time.Minute), "dial tcp: connection refused", false))
	got := byIDMessage(t, st, m.ID)
	if got.Attempts != 1 || got.LastError != "dial tcp: connection refused" ||
		!got.NextAttemptAt.Equal(t0.Add(5*time.Minute)) || !got.AbandonedAt.IsZero() || !got.SentAt.IsZero() {
		t.Fatalf("after MarkFailed: %+v", got)
	}
	wantMessages(t, "ClaimDue before the retry", claim(t, st, t0.Add(4*time.Minute), time.Minute, 10), nil)
	retry := claim(t, st, t0.Add(5*time.Minute), time.Minute, 10)
	wantMessages(t, "ClaimDue at the retry", retry, []storage.OutboxMessage{m})
	if retry[0].Attempts != 1 || retry[0].LastError == "" {
		t.Fatalf("claimed retry %+v, want Attempts 1 and the last error", retry[0])
	}
	noErr(t, st.Outbox().MarkFailed(ctx, m.ID, t0.Add(5*time.Minute), t0.Add(20*time.Minute), "timeout", true))
	got = byIDMessage(t, st, m.ID)
	if got.Attempts != 2 || got.LastError != "timeout" || !got.AbandonedAt.Equal(t0.Add(5*time.Minute)) || !got.SentAt.IsZero() ||
		got.TextBody != "" || got.HTMLBody != "" || got.To != m.To {
		t.Fatalf("after abandoning (bodies erased): %+v", got)
	}
	wantMessages(t, "ClaimDue after abandoning", claim(t, st, t0.Add(1000*time.Hour), time.Minute, 10), nil)
	// Done messages stay done.
	wantErr(t, st.Outbox().MarkFailed(ctx, m.ID, t0.Add(time.Hour), t0.Add(2*time.Hour), "late", false), storage.ErrConflict)
	if got := byIDMessage(t, st, m.ID); got.Attempts != 2 || got.LastError != "timeout" {
		t.Fatalf("MarkFailed on an abandoned message changed it: %+v", got)
	}
	sent := enqueue(t, st, t0, time.Time{})
	noErr(t, st.Outbox().MarkSent(ctx, sent.ID, t0))
	wantErr(t, st.Outbox().MarkFailed(ctx, sent.ID, t0, t0.Add(time.Minute), "late", false), storage.ErrConflict)
	if got := byIDMessage(t, st, sent.ID); got.Attempts != 0 || got.LastError != "" || !got.SentAt.Equal(t0) {
		t.Fatalf("MarkFailed on a sent message changed it: %+v", got)
	}
	wantErr(t, st.Outbox().MarkFailed(ctx, storage.NewID(), t0, t0, "x", false), storage.ErrNotFound)
}

// testOutboxList pages through messages created after every other message
// of the group, so they are the newest.
func testOutboxList(t *testing.T, st storage.Store) {
	base := time.Date(2400, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	var want []storage.OutboxMessage
	for _, at := range []time.Duration{0, time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second} {
		want = append(want, enqueue(t, st, base.Add(at), time.Time{}))
	}
	slices.SortFunc(want, func(a, b storage.OutboxMessage) int { // newest first, ties by id
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	var got []storage.OutboxMessage
	cursor := ""
	for range 3 {
		page, err := st.Outbox().List(t.Context(), cursor, 2)
		noErr(t, err)
		if len(page.Items) != 2 || page.Next == "" {
			t.Fatalf("page of %d items, next %q; want 2 and more", len(page.Items), page.Next)
		}
		got = append(got, page.Items...)
		cursor = page.Next
	}
	wantMessages(t, "List", got[:len(want)], want)
	if !reflect.DeepEqual(got[0], want[0]) {
		t.Fatalf("List item:\n got %+v\nwant %+v", got[0], want[0])
	}
	all, err := st.Outbox().List(t.Context(), "", 0) // DefaultLimit
	noErr(t, err)
	if len(all.Items) < len(want) || len(all.Items) > storage.DefaultLimit {
		t.Fatalf("List with limit 0 returned %d items", len(all.Items))
	}
	wantMessages(t, "List with limit 0", all.Items[:len(want)], want)
	_, err = st.Outbox().List(t.Context(), "not a cursor!", 2)
	wantErr(t, err, storage.ErrInvalid)
}

// testOutboxInTx: a letter enqueued inside a transaction commits with it.
func testOutboxInTx(t *testing.T, st storage.Store) {
	ctx := t.Context()
	var u storage.User
	var m storage.OutboxMessage
	err := st.InTx(ctx, func(tx storage.Tx) error {
		u = createUser(t, tx)
		m = newMessage(time.Time{})
		m.To = u.Email
		if err := tx.Outbox().Enqueue(ctx, &m); err != nil {
			return err
		}
		_, err := tx.Outbox().ByID(ctx, m.ID) // reads its own write
		return err
	})
	noErr(t, err)
	if _, err := st.Users().ByID(ctx, u.ID); err != nil {
		t.Fatalf("user after commit: %v", err)
	}
	if got := byIDMessage(t, st, m.ID); got.To != u.Email {
		t.Fatalf("letter after commit: %+v", got)
	}
}

// testRegistrationRollback: the user, their confirmation token and the
// letter commit together or not at all (SECURITY Faults: Postgres restarts
// during registration).
func testRegistrationRollback(t *testing.T, st storage.Store) {
	ctx := t.Context()
	var u storage.User
	var m storage.OutboxMessage
	var tok storage.OneTimeToken
	err := st.InTx(ctx, func(tx storage.Tx) error {
		u = createUser(t, tx, func(u *storage.User) { u.State = storage.UserPendingVerification })
		tok = newToken(u.ID, storage.PurposeVerifyEmail, clock())
		noErr(t, tx.OneTimeTokens().Issue(ctx, &tok))
		m = newMessage(time.Time{})
		m.To = u.Email
		noErr(t, tx.Outbox().Enqueue(ctx, &m))
		return errBoom
	})
	wantErr(t, err, errBoom)
	_, err = st.Users().ByID(ctx, u.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Outbox().ByID(ctx, m.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.OneTimeTokens().Peek(ctx, storage.PurposeVerifyEmail, tok.TokenHash)
	wantErr(t, err, storage.ErrNotFound)
	// Retrying creates the user once.
	again := newUser(func(n *storage.User) { n.Email = u.Email })
	noErr(t, st.Users().Create(ctx, &again))
}

// testParallelOutboxClaims: workers on many goroutines claim batches
// until nothing is due; every message is claimed exactly once.
func testParallelOutboxClaims(t *testing.T, st storage.Store) {
	const messages, workers, batch = 40, 4, 3
	drainOutbox(t, st)
	t0 := clock()
	want := map[string]bool{}
	for i := range messages {
		m := enqueue(t, st, t0.Add(-time.Duration(i)*time.Millisecond), time.Time{})
		want[m.ID] = true
	}
	claimed := make([][]string, workers)
	errs := race(workers, func(w int) error {
		for {
			got, err := st.Outbox().ClaimDue(t.Context(), t0, time.Minute, batch)
			if err != nil {
				return err
			}
			if len(got) == 0 {
				return nil
			}
			claimed[w] = append(claimed[w], messageIDs(got)...)
		}
	})
	seen := map[string]int{}
	for w, err := range errs {
		noErr(t, err)
		for _, id := range claimed[w] {
			seen[id]++
			if seen[id] > 1 {
				t.Fatalf("message %s claimed twice", id)
			}
			if !want[id] {
				t.Fatalf("claimed %s, which this test did not enqueue", id)
			}
		}
	}
	if len(seen) != messages {
		t.Fatalf("%d of %d messages claimed", len(seen), messages)
	}
	per := make([]int, workers)
	for w := range claimed {
		per[w] = len(claimed[w])
	}
	t.Logf("messages claimed per worker: %v", per)
}

// testOutboxBodiesErased: a retried letter keeps its bodies; a captured
// one keeps them until EraseBodiesBefore passes its sending time.
func testOutboxBodiesErased(t *testing.T, st storage.Store) {
	drainOutbox(t, st)
	ctx, t0 := t.Context(), clock()
	retried := enqueue(t, st, t0, time.Time{})
	claim(t, st, t0, time.Minute, 10)
	noErr(t, st.Outbox().MarkFailed(ctx, retried.ID, t0, t0.Add(time.Minute), "timeout", false))
	if got := byIDMessage(t, st, retried.ID); got.TextBody != retried.TextBody || got.HTMLBody != retried.HTMLBody {
		t.Fatalf("a letter still to be retried lost its bodies: %+v", got)
	}
	captured := enqueue(t, st, t0, time.Time{})
	noErr(t, st.Outbox().MarkCaptured(ctx, captured.ID, t0))
	got := byIDMessage(t, st, captured.ID)
	if got.SentAt.IsZero() || got.TextBody != captured.TextBody || got.HTMLBody != captured.HTMLBody {
		t.Fatalf("a captured letter: %+v", got)
	}
	wantErr(t, st.Outbox().MarkCaptured(ctx, storage.NewID(), t0), storage.ErrNotFound)
	_, err := st.Outbox().EraseBodiesBefore(ctx, t0)
	noErr(t, err)
	if got := byIDMessage(t, st, captured.ID); got.TextBody == "" {
		t.Fatal("EraseBodiesBefore erased a letter sent at its bound")
	}
	n, err := st.Outbox().EraseBodiesBefore(ctx, t0.Add(time.Second))
	noErr(t, err)
	if n < 1 {
		t.Fatalf("EraseBodiesBefore erased %d letters", n)
	}
	if got := byIDMessage(t, st, captured.ID); got.TextBody != "" || got.HTMLBody != "" || got.Subject != captured.Subject || got.SentAt.IsZero() {
		t.Fatalf("after EraseBodiesBefore: %+v", got)
	}
	if got := byIDMessage(t, st, retried.ID); got.TextBody == "" {
		t.Fatal("EraseBodiesBefore erased a letter still waiting")
	}
}
