package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// BenchmarkHotQueries measures the statements of the hottest requests on
// each database: the reads of userinfo and introspection (an access token
// with its user, as they read it; an access token by id, a user by id) and the write of every token grant (an access
// token row). Postgres runs with GATEHOUSE_TEST_POSTGRES_URL set.
//
//	go test -run '^$' -bench HotQueries ./storage/sqlstore
func BenchmarkHotQueries(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchHotQueries(b, func(b *testing.B) *sqlstore.Store { return benchOpen(b, "sqlite:"+b.TempDir()+"/gh.db") })
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(testharness.EnvPostgresURL) == "" {
			b.Skip(testharness.EnvPostgresURL + " is not set")
		}
		benchHotQueries(b, func(b *testing.B) *sqlstore.Store { return benchOpen(b, testharness.PostgresURL(b)) })
	})
}

// reportCPU reports the process's CPU time (user and system) per
// operation as cpu-ns/op, a steadier figure than ns/op on a busy machine:
// defer reportCPU(b)() before the loop. On Postgres it is the client's
// share only.
func reportCPU(b *testing.B) func() {
	start := processCPU(b)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchOpen(b *testing.B, databaseURL string) *sqlstore.Store {
	b.Helper()
	st, err := sqlstore.Open(b.Context(), databaseURL, sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return st
}

func benchHotQueries(b *testing.B, open func(*testing.B) *sqlstore.Store) {
	st := open(b)
	ctx := context.Background()
	now := storage.Time(time.Now())
	c := storage.Client{ID: "bench-" + storage.NewID(), SecretHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Name: "Bench", RedirectURIs: []string{"https://app.example.test/cb"},
		GrantTypes: []string{"authorization_code", "client_credentials"}, Scopes: []string{"openid"}}
	if err := st.Clients().Create(ctx, &c); err != nil {
		b.Fatal(err)
	}
	u := storage.User{Email: "bench-" + storage.NewID() + "@example.test", GivenName: "Ada", Role: storage.RoleUser, State: storage.UserActive}
	if err := st.Users().Create(ctx, &u); err != nil {
		b.Fatal(err)
	}
	access := func() storage.AccessToken {
		return storage.AccessToken{ClientID: c.ID, Subject: u.ID, Audience: []string{c.ID}, Scopes: []string{"openid"},
			AuthTime: now, AMR: []string{"pwd"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	at := access()
	if err := st.Tokens().CreateAccess(ctx, &at); err != nil {
		b.Fatal(err)
	}
	b.Run("AccessByID", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := st.Tokens().AccessByID(ctx, at.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AccessWithUser", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if _, _, err := st.Tokens().AccessWithUser(ctx, at.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UserByID", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := st.Users().ByID(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateAccess", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			t := access()
			if err := st.Tokens().CreateAccess(ctx, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConcurrentWrites runs token inserts from many goroutines at
// once on a SQLite file, whose one writer connection they share, and
// reports the spread of their latencies (p50, p99 and p99/p50): how fairly
// the writer is shared. Run it with -cpu 1 to match a server on one core;
// WAL checkpoints (a stall every few hundred inserts) weigh on p99 too.
//
//	go test -run '^$' -bench ConcurrentWrites -cpu 1 -benchtime 4000x ./storage/sqlstore
func BenchmarkConcurrentWrites(b *testing.B) {
	for _, writers := range []int{16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			st := benchOpen(b, "sqlite:"+b.TempDir()+"/gh.db")
			ctx := context.Background()
			now := storage.Time(time.Now())
			c := storage.Client{ID: "bench-" + storage.NewID(), Name: "Bench", Public: true,
				RedirectURIs: []string{"https://app.example.test/cb"}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}}
			if err := st.Clients().Create(ctx, &c); err != nil {
				b.Fatal(err)
			}
			var mu sync.Mutex
			var lat []time.Duration
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					var mine []time.Duration
					for next.Add(1) <= int64(b.N) {
						t := storage.AccessToken{ClientID: c.ID, Subject: c.ID, Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
						t0 := time.Now()
						if err := st.Tokens().CreateAccess(ctx, &t); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) == 0 {
				return
			}
			p50, p99 := lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
			b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
			b.ReportMetric(float64(p99)/float64(p50), "p99/p50")
		})
	}
}
