package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) captchas(t *testing.T) {
	s.group(t, "Captchas",
		sub("CreateAndTake", testCaptchaRoundTrip),
		sub("CreateRejectsInvalid", testCaptchaInvalid),
		sub("Unknown", testCaptchaUnknown),
		sub("Expired", testCaptchaExpired),
		sub("DeleteExpired", testCaptchaDeleteExpired),
		sub("ParallelTake20", testParallelTake),
	)
}

// createChallenge stores a challenge created at now, live for 10 minutes.
func createChallenge(t *testing.T, st storage.Store, now time.Time) storage.CaptchaChallenge {
	t.Helper()
	c := storage.CaptchaChallenge{AnswerHash: hashOf(), CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	noErr(t, st.Captchas().Create(t.Context(), &c))
	return c
}

func wantExists(t *testing.T, st storage.Store, id string, now time.Time, want bool) {
	t.Helper()
	got, err := st.Captchas().Exists(t.Context(), id, now)
	noErr(t, err)
	if got != want {
		t.Fatalf("Exists(%s) at %v = %v, want %v", id, now, got, want)
	}
}

func testCaptchaRoundTrip(t *testing.T, st storage.Store) {
	before := time.Now().Add(-time.Millisecond)
	c := storage.CaptchaChallenge{AnswerHash: hashOf(), ExpiresAt: clock().Add(time.Hour + 999*time.Microsecond)}
	noErr(t, st.Captchas().Create(t.Context(), &c))
	if len(c.ID) != storage.IDLength {
		t.Fatalf("Create set ID %q", c.ID)
	}
	wantUTCMillis(t, "CreatedAt", c.CreatedAt)
	if c.CreatedAt.Before(before) || c.CreatedAt.After(time.Now()) || !c.ExpiresAt.Equal(clock().Add(time.Hour)) {
		t.Fatalf("Create set times %v, %v", c.CreatedAt, c.ExpiresAt)
	}
	wantExists(t, st, c.ID, clock(), true)
	got, err := st.Captchas().Take(t.Context(), c.ID, clock())
	noErr(t, err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("Take:\n got %+v\nwant %+v", got, c)
	}
	wantExists(t, st, c.ID, clock(), false)
	_, err = st.Captchas().Take(t.Context(), c.ID, clock())
	wantErr(t, err, storage.ErrNotFound) // checked once
	given := storage.CaptchaChallenge{ID: "cap-" + storage.NewID(), AnswerHash: hashOf(), CreatedAt: clock(), ExpiresAt: clock().Add(time.Minute)}
	noErr(t, st.Captchas().Create(t.Context(), &given))
	got, err = st.Captchas().Take(t.Context(), given.ID, clock())
	noErr(t, err)
	if !reflect.DeepEqual(got, given) {
		t.Fatalf("Take:\n got %+v\nwant %+v", got, given)
	}
}

func testCaptchaInvalid(t *testing.T, st storage.Store) {
	for name, c := range map[string]storage.CaptchaChallenge{
		"no hash":   {ExpiresAt: clock()},
		"no expiry": {AnswerHash: hashOf()},
	} {
		if err := st.Captchas().Create(t.Context(), &c); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: Create = %v, want ErrInvalid", name, err)
		}
	}
	c := createChallenge(t, st, clock())
	dup := storage.CaptchaChallenge{ID: c.ID, AnswerHash: hashOf(), ExpiresAt: clock().Add(time.Minute)}
	wantErr(t, st.Captchas().Create(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testCaptchaUnknown(t *testing.T, st storage.Store) {
	for _, id := range []string{storage.NewID(), ""} {
		_, err := st.Captchas().Take(t.Context(), id, clock())
		wantErr(t, err, storage.ErrNotFound)
		wantExists(t, st, id, clock(), false)
	}
}

// testCaptchaExpired: an expired challenge does not exist and cannot be
// taken, and trying removes it.
func testCaptchaExpired(t *testing.T, st storage.Store) {
	c := createChallenge(t, st, clock())
	wantExists(t, st, c.ID, c.ExpiresAt.Add(-time.Millisecond), true)
	wantExists(t, st, c.ID, c.ExpiresAt, false)
	_, err := st.Captchas().Take(t.Context(), c.ID, c.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Captchas().Take(t.Context(), c.ID, clock()) // gone, even at a live time
	wantErr(t, err, storage.ErrNotFound)
	live := createChallenge(t, st, clock())
	_, err = st.Captchas().Take(t.Context(), live.ID, live.ExpiresAt.Add(-time.Millisecond))
	noErr(t, err)
}

// testCaptchaDeleteExpired works in epoch(), before every other challenge
// of the group expires.
func testCaptchaDeleteExpired(t *testing.T, st storage.Store) {
	now := epoch()
	old := createChallenge(t, st, now.Add(-time.Hour))
	edge := createChallenge(t, st, now.Add(-10*time.Minute)) // expires at now
	live := createChallenge(t, st, now.Add(-9*time.Minute))
	n, err := st.Captchas().DeleteExpired(t.Context(), now)
	noErr(t, err)
	wantN(t, "DeleteExpired", n, 2)
	wantExists(t, st, old.ID, now.Add(-time.Hour), false)
	wantExists(t, st, edge.ID, now.Add(-time.Hour), false)
	wantExists(t, st, live.ID, now, true)
}

// testParallelTake answers one captcha from 20 goroutines (SECURITY 10):
// exactly one gets it.
func testParallelTake(t *testing.T, st storage.Store) {
	c := createChallenge(t, st, clock())
	errs := race(20, func(int) error {
		_, err := st.Captchas().Take(t.Context(), c.ID, clock())
		return err
	})
	wantOneWinnerOf(t, errs, storage.ErrNotFound)
}
