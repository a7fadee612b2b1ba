package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) federationFlows(t *testing.T) {
	s.group(t, "FederationFlows",
		sub("CreateAndTake", testFlowRoundTrip),
		sub("GetDoesNotUseUp", testFlowGet),
		sub("CreateRejectsInvalid", testFlowInvalid),
		sub("Expired", testFlowExpired),
		sub("DeleteExpired", testFlowDeleteExpired),
		sub("ParallelTake20", testFlowParallelTake),
	)
}

func newFlow(now time.Time) storage.FederationFlow {
	return storage.FederationFlow{
		ID: storage.NewID(), Provider: "upstream", Purpose: storage.FlowLink, BrowserHash: hashOf(),
		Nonce: "n-" + storage.NewID(), PKCEVerifier: "v-" + storage.NewID(), SessionID: "s1", UserID: "u1",
		AuthRequestID: "ar1", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}
}

func testFlowRoundTrip(t *testing.T, st storage.Store) {
	now := clock()
	f := newFlow(now)
	noErr(t, st.FederationFlows().Create(t.Context(), &f))
	got, err := st.FederationFlows().Take(t.Context(), f.ID, now)
	noErr(t, err)
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("Take = %+v, want %+v", got, f)
	}
	_, err = st.FederationFlows().Take(t.Context(), f.ID, now)
	wantErr(t, err, storage.ErrNotFound) // used once
	dup := newFlow(now)
	noErr(t, st.FederationFlows().Create(t.Context(), &dup))
	again := dup
	wantErr(t, st.FederationFlows().Create(t.Context(), &again), storage.ErrAlreadyExists)
}

func testFlowGet(t *testing.T, st storage.Store) {
	now := clock()
	f := newFlow(now)
	f.Purpose, f.Identity = storage.FlowSignUpPending, `{"subject":"s"}`
	noErr(t, st.FederationFlows().Create(t.Context(), &f))
	for range 2 {
		got, err := st.FederationFlows().Get(t.Context(), f.ID, now)
		noErr(t, err)
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("Get = %+v, want %+v", got, f)
		}
	}
	_, err := st.FederationFlows().Get(t.Context(), f.ID, f.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound) // expired
	_, err = st.FederationFlows().Take(t.Context(), f.ID, now)
	noErr(t, err)
	_, err = st.FederationFlows().Get(t.Context(), f.ID, now)
	wantErr(t, err, storage.ErrNotFound) // taken
}

func testFlowInvalid(t *testing.T, st storage.Store) {
	for name, mutate := range map[string]func(*storage.FederationFlow){
		"no id":      func(f *storage.FederationFlow) { f.ID = "" },
		"no purpose": func(f *storage.FederationFlow) { f.Purpose = "" },
		"no browser": func(f *storage.FederationFlow) { f.BrowserHash = nil },
		"no expiry":  func(f *storage.FederationFlow) { f.ExpiresAt = time.Time{} },
	} {
		f := newFlow(clock())
		mutate(&f)
		if err := st.FederationFlows().Create(t.Context(), &f); err == nil {
			t.Errorf("%s: Create accepted %+v", name, f)
		} else {
			wantErr(t, err, storage.ErrInvalid)
		}
	}
}

func testFlowExpired(t *testing.T, st storage.Store) {
	now := clock()
	f := newFlow(now)
	noErr(t, st.FederationFlows().Create(t.Context(), &f))
	_, err := st.FederationFlows().Take(t.Context(), f.ID, f.ExpiresAt)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.FederationFlows().Take(t.Context(), f.ID, now)
	wantErr(t, err, storage.ErrNotFound) // removed all the same
}

func testFlowDeleteExpired(t *testing.T, st storage.Store) {
	now := clock()
	old, live := newFlow(now.Add(-time.Hour)), newFlow(now)
	noErr(t, st.FederationFlows().Create(t.Context(), &old))
	noErr(t, st.FederationFlows().Create(t.Context(), &live))
	n, err := st.FederationFlows().DeleteExpired(t.Context(), now)
	noErr(t, err)
	if n < 1 {
		t.Fatalf("DeleteExpired removed %d, want at least 1", n)
	}
	_, err = st.FederationFlows().Take(t.Context(), live.ID, now)
	noErr(t, err)
}

func testFlowParallelTake(t *testing.T, st storage.Store) {
	f := newFlow(clock())
	noErr(t, st.FederationFlows().Create(t.Context(), &f))
	errs := race(20, func(int) error {
		_, err := st.FederationFlows().Take(t.Context(), f.ID, clock())
		return err
	})
	wantOneWinnerOf(t, errs, storage.ErrNotFound)
}
