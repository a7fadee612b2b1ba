package mfa

import (
	"errors"
	"slices"
	"testing"
)

func TestRelyingPartyFromIssuer(t *testing.T) {
	rp, err := RelyingParty("https://id.example.com:8443/base", "Example")
	if err != nil {
		t.Fatal(err)
	}
	if rp.Config.RPID != "id.example.com" || !slices.Equal(rp.Config.RPOrigins, []string{"https://id.example.com:8443"}) {
		t.Fatalf("RP ID %q, origins %v", rp.Config.RPID, rp.Config.RPOrigins)
	}
	for _, bad := range []string{"", "id.example.com", "ftp://id.example.com", "http://127.0.0.1:8080"} {
		if _, err := RelyingParty(bad, ""); err == nil {
			t.Errorf("issuer %q accepted", bad)
		}
	}
}

func TestPasskeyMethods(t *testing.T) {
	cases := []struct {
		synced, uv bool
		want       []string
	}{
		{false, true, []string{"hwk", "user", "mfa"}},
		{true, true, []string{"swk", "user", "mfa"}},
		{false, false, []string{"hwk"}},
	}
	for _, c := range cases {
		if got := PasskeyMethods(c.synced, c.uv); !slices.Equal(got, c.want) {
			t.Errorf("PasskeyMethods(%v, %v) = %v, want %v", c.synced, c.uv, got, c.want)
		}
	}
	if got := WithPasskey([]string{"pwd"}, true); !slices.Equal(got, []string{"pwd", "swk", "mfa"}) {
		t.Errorf("WithPasskey = %v", got)
	}
}

func TestCheckCounter(t *testing.T) {
	for _, c := range []struct {
		stored, got uint32
		ok          bool
	}{{0, 0, true}, {0, 1, true}, {5, 6, true}, {5, 5, false}, {5, 4, false}, {5, 0, false}} {
		err := CheckCounter(c.stored, c.got)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrCounterRegressed)) {
			t.Errorf("CheckCounter(%d, %d) = %v", c.stored, c.got, err)
		}
	}
}
