package metrics

import "github.com/prometheus/client_golang/prometheus"

// VerifiedTokenStats reads a replica's verified-token cache: the bearer
// JWT access tokens it answered without checking their signature again,
// the JWTs whose signature it checked, and the tokens it remembers now.
type VerifiedTokenStats func() (cached, signatureChecked uint64, entries int)

// RegisterVerifiedTokens adds gatehouse_jwt_verifications_total (label
// how: cached or signature) and gatehouse_verified_token_cache_entries,
// read from stats at each scrape. Per replica: each has its own cache.
func (m *Metrics) RegisterVerifiedTokens(stats VerifiedTokenStats) error {
	return m.Registry.Register(&verifiedTokens{
		stats: stats,
		verifications: prometheus.NewDesc("gatehouse_jwt_verifications_total",
			"Bearer JWT access tokens verified (userinfo, introspection, token exchange, the management API) by how: cached (verified before by this replica, signature not checked again) or signature.",
			[]string{"how"}, nil),
		entries: prometheus.NewDesc("gatehouse_verified_token_cache_entries",
			"JWT access tokens this replica remembers as verified.", nil, nil),
	})
}

type verifiedTokens struct {
	stats                  VerifiedTokenStats
	verifications, entries *prometheus.Desc
}

func (v *verifiedTokens) Describe(ch chan<- *prometheus.Desc) { ch <- v.verifications; ch <- v.entries }

func (v *verifiedTokens) Collect(ch chan<- prometheus.Metric) {
	cached, checked, entries := v.stats()
	ch <- prometheus.MustNewConstMetric(v.verifications, prometheus.CounterValue, float64(cached), "cached")
	ch <- prometheus.MustNewConstMetric(v.verifications, prometheus.CounterValue, float64(checked), "signature")
	ch <- prometheus.MustNewConstMetric(v.entries, prometheus.GaugeValue, float64(entries))
}
