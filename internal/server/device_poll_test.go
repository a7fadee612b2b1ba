package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestDevicePollingStates, on SQLite and Postgres: a fresh request is
// authorization_pending, a poll within the interval is slow_down, an
// expired one is expired_token, an unknown device code or another
// client's gets no tokens; the approved request's tokens come once.
func TestDevicePollingStates(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			srv := testserver.Start(t, testserver.ServerOptions{Postgres: pg})
			srv.CreateUser(t, "poll@example.com", testPass)
			cli := deviceCLI(t, srv, "poll-cli")
			deviceCLI(t, srv, "other-cli") // a second client of the device flow
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			da, err := cli.DeviceAuth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if e, _ := pollOnce(t, srv, "poll-cli", da.DeviceCode); e != "authorization_pending" {
				t.Fatalf("first poll: %q", e)
			}
			if e, _ := pollOnce(t, srv, "poll-cli", da.DeviceCode); e != "slow_down" {
				t.Fatalf("second poll at once: %q, want slow_down", e)
			}
			if e, _ := pollOnce(t, srv, "other-cli", da.DeviceCode); e == "" || e == "authorization_pending" {
				t.Fatalf("another client polling this device code: %q", e)
			}
			if e, _ := pollOnce(t, srv, "poll-cli", "not-a-device-code"); e == "" || e == "authorization_pending" {
				t.Fatalf("unknown device code: %q", e)
			}

			// Expired: moved back in the database, without waiting 10 minutes.
			exp, err := cli.DeviceAuth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Srv.Store().DB().ExecContext(ctx,
				rebindFor(pg, `UPDATE device_authorizations SET expires_at = created_at WHERE client_id = ? AND state = 'pending' AND last_poll_at IS NULL`),
				"poll-cli"); err != nil {
				t.Fatal(err)
			}
			if e, _ := pollOnce(t, srv, "poll-cli", exp.DeviceCode); e != "expired_token" {
				t.Fatalf("expired request: %q, want expired_token", e)
			}

			// Approve through the page with a plain HTTP browser.
			rp := newRelyingParty(t, srv, "poll-cli", "")
			da2, err := cli.DeviceAuth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			status, loc, _ := rp.get("/device?user_code=" + url.QueryEscape(da2.UserCode))
			if status != http.StatusSeeOther && status != http.StatusFound {
				t.Fatalf("/device without a session: %d", status)
			}
			_, _, body := rp.get(loc)
			m := authRequestIDRe.FindStringSubmatch(body)
			form := url.Values{"login": {"poll@example.com"}, "password": {testPass}}
			if m != nil {
				form.Set("authRequestID", m[1])
			}
			if u, err := url.Parse(loc); err == nil {
				form.Set("return_to", u.Query().Get("return_to"))
			}
			if status, _, body := rp.postForm("/login", form); status != http.StatusSeeOther {
				t.Fatalf("login: %d\n%s", status, body)
			}
			status, _, body = rp.postForm("/device", url.Values{"user_code": {da2.UserCode}, "action": {"approve"}})
			if status != http.StatusOK {
				t.Fatalf("approve: %d\n%s", status, body)
			}
			tok, err := cli.DeviceAccessToken(ctx, da2, oauth2.SetAuthURLParam("client_id", "poll-cli"))
			if err != nil {
				t.Fatalf("tokens after approval: %v", err)
			}
			if tok.AccessToken == "" {
				t.Fatal("no access token")
			}
			time.Sleep(5 * time.Second)
			if e, _ := pollOnce(t, srv, "poll-cli", da2.DeviceCode); e == "" {
				t.Fatal("the approved device code gave tokens twice")
			}
		})
	}
}

// rebindFor turns ? placeholders into $n on Postgres.
func rebindFor(pg bool, q string) string {
	if !pg {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, []byte("$"+string(rune('0'+n)))...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
