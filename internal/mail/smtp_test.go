package mail

import (
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		raw  string
		want smtpConfig
	}{
		{"smtp://mail.example.com", smtpConfig{host: "mail.example.com", port: 587}},
		{"smtp://u%40x:s3cret@mail.example.com:2525", smtpConfig{host: "mail.example.com", port: 2525, user: "u@x", pass: "s3cret"}},
		{"smtps://u:s3cret@mail.example.com", smtpConfig{host: "mail.example.com", port: 465, implicitTLS: true, user: "u", pass: "s3cret"}},
		{"smtp://127.0.0.1:2525?insecure=1", smtpConfig{host: "127.0.0.1", port: 2525, plain: true}},
		{"smtp://localhost:25?insecure=1", smtpConfig{host: "localhost", port: 25, plain: true}},
		{"smtp://[::1]:25?insecure=1", smtpConfig{host: "::1", port: 25, plain: true}},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := parseSMTPURL(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseSMTPURLRefuses(t *testing.T) {
	for _, raw := range []string{
		"mail.example.com:25",
		"http://mail.example.com",
		"smtp://",
		"smtp://u:s3cret@mail.example.com?insecure=1", // plain SMTP off loopback
		"smtps://u:s3cret@127.0.0.1:465?insecure=1",   // contradiction
		"smtp://u:s3cret@127.0.0.1:25?insecure=true",  // only 1
		"smtp://u:s3cret@mail.example.com?tls=off",    // unknown parameter
		"smtp://u:s3cret@mail.example.com:0",          // bad port
		"smtp://u:s3cret@mail.example.com:99999",      // bad port
		"smtp://u:s3cret@10.0.0.1:25?insecure=1",      // private is not loopback
		"smtp://u:s3cret@localhost.evil.example:25?insecure=1",
	} {
		t.Run(raw, func(t *testing.T) {
			_, err := parseSMTPURL(raw)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// The client options follow the URL: implicit TLS, STARTTLS when offered,
// or no TLS (loopback); and authentication only with a user name.
func TestSMTPClientOptions(t *testing.T) {
	tests := []struct {
		raw        string
		wantPolicy string
		wantAddr   string
	}{
		{"smtp://u:p@mail.example.com", "TLSOpportunistic", "mail.example.com:587"},
		{"smtp://127.0.0.1:2525?insecure=1", "NoTLS", "127.0.0.1:2525"},
	}
	for _, tc := range tests {
		cfg, err := parseSMTPURL(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		c, err := gomail.NewClient(cfg.host, cfg.options(t.Context())...)
		if err != nil {
			t.Fatal(err)
		}
		if c.TLSPolicy() != tc.wantPolicy || c.ServerAddr() != tc.wantAddr {
			t.Errorf("%s: policy %s addr %s", tc.raw, c.TLSPolicy(), c.ServerAddr())
		}
	}
	if _, err := New(Options{Issuer: testIssuer, SMTPURL: "smtp://u:s3cret@mail.example.com?insecure=1"}); err == nil ||
		strings.Contains(err.Error(), "s3cret") {
		t.Errorf("New = %v, want an error without the password", err)
	}
}
