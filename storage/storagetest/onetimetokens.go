package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) oneTimeTokens(t *testing.T) {
	s.group(t, "OneTimeTokens",
		sub("IssueAndPeek", testOTTRoundTrip),
		sub("IssueRejectsInvalid", testOTTInvalid),
		sub("IssueVoidsOlder", testOTTVoidsOlder),
		sub("IssueInTxRollsBack", testOTTIssueRollback),
		sub("Consume", testOTTConsume),
		sub("ConsumeExpired", testOTTConsumeExpired),
		sub("DeleteByUser", testOTTDeleteByUser),
		sub("DeleteExpired", testOTTDeleteExpired),
		sub("UserDeleteCascades", testOTTUserCascade),
		sub("ParallelConsume50", testParallelConsume),
		sub("ParallelIssue", testParallelIssue),
	)
}

// newToken returns a token of the user for purpose, created at now and
// live for a day.
func newToken(userID, purpose string, now time.Time) storage.OneTimeToken {
	return storage.OneTimeToken{
		UserID: userID, Purpose: purpose, TokenHash: hashOf(), Email: "link-" + storage.NewID() + "@example.test",
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
}

// issue stores newToken(userID, purpose, clock()) and returns it.
func issue(t *testing.T, st storage.Stores, userID, purpose string) storage.OneTimeToken {
	t.Helper()
	tok := newToken(userID, purpose, clock())
	noErr(t, st.OneTimeTokens().Issue(t.Context(), &tok))
	return tok
}

// wantLive fails unless the token can be found by its hash.
func wantLive(t *testing.T, st storage.Store, tok storage.OneTimeToken) storage.OneTimeToken {
	t.Helper()
	got, err := st.OneTimeTokens().Peek(t.Context(), tok.Purpose, tok.TokenHash)
	if err != nil {
		t.Fatalf("Peek(%s): %v", tok.ID, err)
	}
	return got
}

// wantGone fails unless the token is no longer found.
func wantGone(t *testing.T, st storage.Store, tok storage.OneTimeToken) {
	t.Helper()
	if _, err := st.OneTimeTokens().Peek(t.Context(), tok.Purpose, tok.TokenHash); !isErr(err, storage.ErrNotFound) {
		t.Fatalf("Peek(%s) = %v, want ErrNotFound", tok.ID, err)
	}
}

func testOTTRoundTrip(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	before := time.Now().Add(-time.Millisecond)
	tok := storage.OneTimeToken{
		UserID: u.ID, Purpose: storage.PurposeVerifyEmail, TokenHash: hashOf(), Email: u.Email,
		ExpiresAt: clock().Add(24*time.Hour + 789*time.Microsecond),
	}
	noErr(t, st.OneTimeTokens().Issue(t.Context(), &tok))
	if len(tok.ID) != storage.IDLength {
		t.Fatalf("Issue set ID %q", tok.ID)
	}
	wantUTCMillis(t, "CreatedAt", tok.CreatedAt)
	if tok.CreatedAt.Before(before) || tok.CreatedAt.After(time.Now()) || !tok.ExpiresAt.Equal(clock().Add(24*time.Hour)) {
		t.Fatalf("Issue set times %v, %v", tok.CreatedAt, tok.ExpiresAt)
	}
	got := wantLive(t, st, tok)
	if !reflect.DeepEqual(got, tok) {
		t.Fatalf("Peek:\n got %+v\nwant %+v", got, tok)
	}
	wantUTCMillis(t, "read ExpiresAt", got.ExpiresAt)
	for _, purpose := range []string{storage.PurposeResetPassword, storage.PurposeActivate, ""} {
		_, err := st.OneTimeTokens().Peek(t.Context(), purpose, tok.TokenHash)
		wantErr(t, err, storage.ErrNotFound)
	}
	for _, hash := range [][]byte{hashOf(), nil, {}} {
		_, err := st.OneTimeTokens().Peek(t.Context(), storage.PurposeVerifyEmail, hash)
		wantErr(t, err, storage.ErrNotFound)
	}
}

func testOTTInvalid(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	for name, mod := range map[string]func(*storage.OneTimeToken){
		"no user":    func(k *storage.OneTimeToken) { k.UserID = "" },
		"no purpose": func(k *storage.OneTimeToken) { k.Purpose = "" },
		"no hash":    func(k *storage.OneTimeToken) { k.TokenHash = nil },
		"no expiry":  func(k *storage.OneTimeToken) { k.ExpiresAt = time.Time{} },
	} {
		tok := newToken(u.ID, storage.PurposeVerifyEmail, clock())
		mod(&tok)
		if err := st.OneTimeTokens().Issue(t.Context(), &tok); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Issue = %v, want ErrInvalid", name, err)
		}
	}
	unknown := newToken(storage.NewID(), storage.PurposeVerifyEmail, clock())
	wantErr(t, st.OneTimeTokens().Issue(t.Context(), &unknown), storage.ErrNotFound)
	// A taken hash fails, and the failed Issue voids nothing.
	other := createUser(t, st)
	taken := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	kept := issue(t, st, other.ID, storage.PurposeVerifyEmail)
	dup := newToken(other.ID, storage.PurposeVerifyEmail, clock())
	dup.TokenHash = taken.TokenHash
	wantErr(t, st.OneTimeTokens().Issue(t.Context(), &dup), storage.ErrAlreadyExists)
	wantLive(t, st, kept)
	wantLive(t, st, taken)
}

func testOTTVoidsOlder(t *testing.T, st storage.Store) {
	ctx := t.Context()
	u, other := createUser(t, st), createUser(t, st)
	a := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	b := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	wantGone(t, st, a)
	wantLive(t, st, b)
	reset := issue(t, st, u.ID, storage.PurposeResetPassword)
	others := issue(t, st, other.ID, storage.PurposeVerifyEmail)
	c := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	wantGone(t, st, b)
	wantLive(t, st, c)
	wantLive(t, st, reset)  // another purpose
	wantLive(t, st, others) // another user
	_, err := st.OneTimeTokens().Consume(ctx, a.Purpose, a.TokenHash, clock())
	wantErr(t, err, storage.ErrNotFound)
	// A used token stays, so its reuse is still recognised.
	_, err = st.OneTimeTokens().Consume(ctx, c.Purpose, c.TokenHash, clock())
	noErr(t, err)
	d := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	if used := wantLive(t, st, c); used.UsedAt.IsZero() {
		t.Fatalf("used token %+v lost its UsedAt", used)
	}
	_, err = st.OneTimeTokens().Consume(ctx, c.Purpose, c.TokenHash, clock())
	wantErr(t, err, storage.ErrConflict)
	wantLive(t, st, d)
}

// testOTTIssueRollback: a token issued in a transaction that rolls back
// neither exists nor voided the older one.
func testOTTIssueRollback(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	old := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	var rolledBack storage.OneTimeToken
	err := st.InTx(t.Context(), func(tx storage.Tx) error {
		rolledBack = issue(t, tx, u.ID, storage.PurposeVerifyEmail)
		if _, err := tx.OneTimeTokens().Peek(t.Context(), old.Purpose, old.TokenHash); !isErr(err, storage.ErrNotFound) {
			t.Errorf("inside the transaction the older token is still there: %v", err)
		}
		return errBoom
	})
	wantErr(t, err, errBoom)
	wantGone(t, st, rolledBack)
	wantLive(t, st, old)
}

func testOTTConsume(t *testing.T, st storage.Store) {
	ctx := t.Context()
	u := createUser(t, st)
	tok := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	_, err := st.OneTimeTokens().Consume(ctx, storage.PurposeResetPassword, tok.TokenHash, clock())
	wantErr(t, err, storage.ErrNotFound) // another purpose: not found, and not spent
	for _, hash := range [][]byte{hashOf(), nil} {
		_, err = st.OneTimeTokens().Consume(ctx, storage.PurposeVerifyEmail, hash, clock())
		wantErr(t, err, storage.ErrNotFound)
	}
	now := clock().Add(time.Minute)
	got, err := st.OneTimeTokens().Consume(ctx, tok.Purpose, tok.TokenHash, now.Add(456*time.Microsecond))
	noErr(t, err)
	want := tok
	want.UsedAt = now
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Consume:\n got %+v\nwant %+v", got, want)
	}
	wantUTCMillis(t, "UsedAt", got.UsedAt)
	again, err := st.OneTimeTokens().Consume(ctx, tok.Purpose, tok.TokenHash, now.Add(time.Second))
	wantErr(t, err, storage.ErrConflict)
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("Consume of a used token returned\n %+v\nwant %+v", again, want)
	}
	if peek := wantLive(t, st, tok); !peek.UsedAt.Equal(now) {
		t.Fatalf("Peek after Consume: UsedAt %v, want %v", peek.UsedAt, now)
	}
}

func testOTTConsumeExpired(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	tok := issue(t, st, u.ID, storage.PurposeActivate)
	_, err := st.OneTimeTokens().Consume(t.Context(), tok.Purpose, tok.TokenHash, tok.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound)
	if peek := wantLive(t, st, tok); !peek.UsedAt.IsZero() {
		t.Fatalf("an expired Consume spent the token: %+v", peek)
	}
	_, err = st.OneTimeTokens().Consume(t.Context(), tok.Purpose, tok.TokenHash, tok.ExpiresAt.Add(-time.Millisecond))
	noErr(t, err)
}

func testOTTDeleteByUser(t *testing.T, st storage.Store) {
	ctx := t.Context()
	u, other := createUser(t, st), createUser(t, st)
	verify := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	reset := issue(t, st, u.ID, storage.PurposeResetPassword)
	others := issue(t, st, other.ID, storage.PurposeVerifyEmail)
	noErr(t, st.OneTimeTokens().DeleteByUser(ctx, u.ID, storage.PurposeVerifyEmail))
	wantGone(t, st, verify)
	wantLive(t, st, reset)
	activate := issue(t, st, u.ID, storage.PurposeActivate)
	_, err := st.OneTimeTokens().Consume(ctx, activate.Purpose, activate.TokenHash, clock())
	noErr(t, err)
	noErr(t, st.OneTimeTokens().DeleteByUser(ctx, u.ID, "")) // every purpose, used or not
	wantGone(t, st, reset)
	wantGone(t, st, activate)
	wantLive(t, st, others)
	noErr(t, st.OneTimeTokens().DeleteByUser(ctx, storage.NewID(), ""))
}

// testOTTDeleteExpired works in epoch(), before every other token of the
// group expires.
func testOTTDeleteExpired(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), epoch()
	u := createUser(t, st)
	mk := func(purpose string, expires time.Time) storage.OneTimeToken {
		tok := newToken(u.ID, purpose, now.Add(-2*time.Hour))
		tok.ExpiresAt = expires
		noErr(t, st.OneTimeTokens().Issue(ctx, &tok))
		return tok
	}
	old := mk(storage.PurposeVerifyEmail, now.Add(-time.Hour))
	edge := mk(storage.PurposeResetPassword, now) // expired at now
	used := mk(storage.PurposeChangeEmail, now.Add(-time.Minute))
	_, err := st.OneTimeTokens().Consume(ctx, used.Purpose, used.TokenHash, now.Add(-time.Hour))
	noErr(t, err)
	live := mk(storage.PurposeActivate, now.Add(time.Millisecond))
	n, err := st.OneTimeTokens().DeleteExpired(ctx, now)
	noErr(t, err)
	wantN(t, "DeleteExpired", n, 3)
	wantGone(t, st, old)
	wantGone(t, st, edge)
	wantGone(t, st, used)
	wantLive(t, st, live)
}

func testOTTUserCascade(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	tok := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	noErr(t, st.Users().Delete(t.Context(), u.ID))
	wantGone(t, st, tok)
}

// testParallelConsume follows one confirmation link from 50 goroutines
// (SECURITY Faults): exactly one wins, the others see it used.
func testParallelConsume(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	tok := issue(t, st, u.ID, storage.PurposeVerifyEmail)
	errs := race(50, func(i int) error {
		_, err := st.OneTimeTokens().Consume(t.Context(), tok.Purpose, tok.TokenHash, clock().Add(time.Duration(i)*time.Millisecond))
		return err
	})
	wantOneWinner(t, errs)
}

// testParallelIssue asks for 10 links of one user and purpose at once
// (SECURITY 13): exactly one stays usable.
func testParallelIssue(t *testing.T, st storage.Store) {
	const n = 10
	u := createUser(t, st)
	toks := make([]storage.OneTimeToken, n)
	errs := race(n, func(i int) error {
		toks[i] = newToken(u.ID, storage.PurposeResetPassword, clock())
		return st.OneTimeTokens().Issue(t.Context(), &toks[i])
	})
	live := 0
	for i, err := range errs {
		noErr(t, err)
		if _, err := st.OneTimeTokens().Peek(t.Context(), toks[i].Purpose, toks[i].TokenHash); err == nil {
			live++
		} else if !isErr(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
	}
	wantN(t, "usable tokens after parallel Issues", live, 1)
}
