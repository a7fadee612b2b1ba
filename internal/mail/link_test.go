package mail

import (
	"net/url"
	"testing"
)

// Link builds URLs from the configured issuer only: whatever the path
// argument holds, scheme, host, query and dot segments cannot move the
// link off the issuer (SECURITY 15).
func TestLinkUsesOnlyTheIssuer(t *testing.T) {
	tests := []struct {
		name   string
		issuer string
		path   string
		query  url.Values
		want   string
	}{
		{"path and query", "https://id.example.com", "/verify", url.Values{"token": {"a b&c"}},
			"https://id.example.com/verify?token=a+b%26c"},
		{"issuer with trailing slash", "https://id.example.com/", "/login", nil, "https://id.example.com/login"},
		{"issuer with a path", "https://example.com/auth/", "/login", nil, "https://example.com/auth/login"},
		{"relative path", "https://id.example.com", "verify", nil, "https://id.example.com/verify"},
		{"empty path", "https://id.example.com", "", nil, "https://id.example.com/"},
		{"absolute URL elsewhere", "https://id.example.com", "https://evil.example.net/verify", nil,
			"https://id.example.com/verify"},
		{"scheme-relative URL", "https://id.example.com", "//evil.example.net/verify", nil,
			"https://id.example.com/verify"},
		{"user info", "https://id.example.com", "https://id.example.com@evil.example.net/x", nil,
			"https://id.example.com/x"},
		{"dot segments stay under the issuer path", "https://example.com/auth", "/../../admin", nil,
			"https://example.com/auth/admin"},
		{"javascript URL", "https://id.example.com", "javascript:alert(1)", nil, "https://id.example.com/"},
		{"query and fragment in the path are dropped", "https://id.example.com", "/verify?token=evil#x",
			url.Values{"token": {"good"}}, "https://id.example.com/verify?token=good"},
		{"encoded characters", "https://id.example.com", "/a b/ü", nil, "https://id.example.com/a%20b/%C3%BC"},
		{"http issuer with port", "http://localhost:8080", "/verify", nil, "http://localhost:8080/verify"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMailer(t, Options{Issuer: tc.issuer})
			if got := m.Link(tc.path, tc.query); got != tc.want {
				t.Errorf("Link(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func TestNewRefusesBadIssuers(t *testing.T) {
	for _, issuer := range []string{
		"", "id.example.com", "/relative", "ftp://id.example.com", "https://", "https://id.example.com/?a=1",
		"https://id.example.com/#x", "https://user:pass@id.example.com", "mailto:a@example.com",
	} {
		if _, err := New(Options{Issuer: issuer}); err == nil {
			t.Errorf("New accepted issuer %q", issuer)
		}
	}
}
