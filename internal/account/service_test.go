package account

import (
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("zero options (all defaults) invalid: %v", err)
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"hash key too short", Options{Hash: HashParams{KeyLen: 4}}},
		{"negative throttle limit", Options{Throttle: ThrottleOptions{PerAccount: -1}}},
		{"tiny window", Options{Throttle: ThrottleOptions{Window: time.Millisecond}}},
		{"idle under two minutes", Options{Sessions: SessionLifetimes{Idle: time.Minute}}},
		{"negative persistent", Options{Sessions: SessionLifetimes{Persistent: -time.Hour}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.opts.Validate(); err == nil {
				t.Fatal("Validate accepted invalid options")
			}
			defer func() {
				if recover() == nil {
					t.Fatal("New did not panic on invalid options")
				}
			}()
			New(newFakeStores(), tc.opts)
		})
	}
}

func TestNewDefaults(t *testing.T) {
	s := New(newFakeStores(), Options{})
	if s.hasher.Params() != DefaultHashParams() || s.throttle != DefaultThrottleOptions() ||
		s.lifetimes != DefaultSessionLifetimes() || cap(s.hasher.sem) < 2 {
		t.Fatalf("defaults not applied: %+v %+v %+v", s.hasher.Params(), s.throttle, s.lifetimes)
	}
}
