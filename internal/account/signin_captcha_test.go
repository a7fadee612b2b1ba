package account

import (
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func TestSignInNeedsCaptcha(t *testing.T) {
	s, _, clock := newTestService(t, nil)
	mustCreate(t, s, "lena", "a fine long password", storage.UserActive)
	ctx := t.Context()
	needs := func(login, ip string) bool {
		t.Helper()
		got, err := s.SignInNeedsCaptcha(ctx, login, ip)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if needs("lena", "192.0.2.1") {
		t.Fatal("a captcha before any failure")
	}
	for i := range DefaultSignInCaptchaAfter {
		ip := "198.51.100." + string(rune('1'+i)) // failures spread over addresses
		if _, err := s.Authenticate(ctx, "lena", "wrong", ip); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	if !needs("LENA@example.com", "203.0.113.7") {
		t.Error("the account's failures from other addresses must ask for a captcha")
	}
	if needs("someone-else", "203.0.113.7") {
		t.Error("another account from a clean address needs no captcha")
	}
	for range DefaultSignInCaptchaAfter {
		_, _ = s.Authenticate(ctx, "nobody-"+string(rune('a')), "wrong", "203.0.113.50")
	}
	if !needs("", "203.0.113.50") {
		t.Error("an address with failures must ask for a captcha even before a login is typed")
	}
	clock.Advance(DefaultThrottleOptions().Window + 1)
	if needs("lena", "203.0.113.50") {
		t.Error("old failures must not ask for a captcha")
	}
}
