package server

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestSweeperRunsOnOneReplicaPerRound: three replicas on one PostgreSQL
// tick together; exactly one sweeps each round, the holder renews its
// lease within it, and when the holder stops another replica takes over
// once the lease has run out.
func TestSweeperRunsOnOneReplicaPerRound(t *testing.T) {
	cfg := config.Defaults()
	cfg.DatabaseURL = testharness.PostgresURL(t)
	cfg.SecretKey = strings.Repeat("sweep-replicas-", 3)
	cfg.Dev = true
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var replicas []*Server
	for range 3 {
		s, err := New(context.Background(), cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas = append(replicas, s)
	}
	const interval = time.Minute
	round := func(now time.Time, among []*Server) []*Server {
		var mu sync.Mutex
		var swept []*Server
		var wg sync.WaitGroup
		for _, s := range among {
			wg.Go(func() {
				if s.sweepIfLeased(t.Context(), now, interval) {
					mu.Lock()
					swept = append(swept, s)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return swept
	}
	now := time.Now()
	first := round(now, replicas)
	if len(first) != 1 {
		t.Fatalf("%d replicas swept the first round, want 1", len(first))
	}
	if mid := round(now.Add(interval/2), replicas); len(mid) != 1 || mid[0] != first[0] {
		t.Fatalf("within the lease %d replicas swept (the holder: %v), want the holder alone", len(mid), len(mid) == 1 && mid[0] == first[0])
	}
	again := round(now.Add(interval), replicas)
	if len(again) != 1 {
		t.Fatalf("%d replicas swept the second round, want 1", len(again))
	}
	var others []*Server
	for _, s := range replicas {
		if s != again[0] {
			others = append(others, s)
		}
	}
	// The holder stops; its lease (renewed at now+interval) runs out 90% of
	// an interval later.
	if early := round(now.Add(interval+interval/2), others); len(early) != 0 {
		t.Fatalf("%d replicas swept while the stopped holder's lease was live", len(early))
	}
	if later := round(now.Add(2*interval), others); len(later) != 1 {
		t.Fatalf("%d replicas took over after the lease ran out, want 1", len(later))
	}
	t.Logf("rounds: 3 replicas, one sweep per round; takeover after the holder stopped")
}
