package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// faultCut is how long the fault suite cuts the database (issue 19 asks for
// 10 s); the rest of the test waits on events, not on the clock.
var faultCut = 10 * time.Second

// faultCounts are the numbers the fault suite prints and checks.
type faultCounts struct {
	mu                 sync.Mutex
	requests, outages  int      // answers, and of them fail-closed 503s
	problems           []string // answers that are neither success nor a fail-closed 503
	signIns            int      // completed sign-ins (code redeemed)
	signInsAfterCut    int
	doubleSpent        int // codes redeemed twice
	spentWithoutTokens int // codes redeemed by a commit whose answer the cut lost
	refreshes          int
	tokenOutages       int // token endpoint answers temporarily_unavailable
}

func (c *faultCounts) add(f func(c *faultCounts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

func (c *faultCounts) problem(format string, args ...any) {
	c.add(func(c *faultCounts) { c.problems = append(c.problems, fmt.Sprintf(format, args...)) })
}

// faultBrowser sends every request to the next replica in turn, as a
// round-robin load balancer would; cookies are shared by the replicas
// (one host, 127.0.0.1).
type faultBrowser struct {
	replicas []string
	next     *atomic.Int64
	client   *http.Client
	counts   *faultCounts
}

func newFaultBrowser(replicas []string, next *atomic.Int64, counts *faultCounts) *faultBrowser {
	jar, _ := cookiejar.New(nil)
	return &faultBrowser{replicas: replicas, next: next, counts: counts, client: &http.Client{
		Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// target rewrites raw (a path, or a URL on any replica) to the next replica.
func (b *faultBrowser) target(raw string) string {
	for _, r := range b.replicas {
		raw = strings.TrimPrefix(raw, r)
	}
	return b.replicas[int(b.next.Add(1))%len(b.replicas)] + raw
}

// faultAnswer is one response, classified.
type faultAnswer struct {
	status int
	loc    string
	body   string
	outage bool // a fail-closed 503 (page or temporarily_unavailable)
	ok     bool // neither an outage nor a problem
}

func (b *faultBrowser) send(method, raw string, form url.Values, basic [2]string) faultAnswer {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	target := b.target(raw)
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.counts.problem("%s %s: %v", method, raw, err)
		return faultAnswer{}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		u, _ := url.Parse(target)
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	}
	if basic[0] != "" {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.counts.problem("%s %s: no answer: %v", method, target, err)
		return faultAnswer{}
	}
	defer resp.Body.Close()
	raw2, _ := io.ReadAll(resp.Body)
	a := faultAnswer{status: resp.StatusCode, loc: resp.Header.Get("Location"), body: string(raw2)}
	b.classify(method, target, &a, resp.Header)
	return a
}

var stackTraceRe = regexp.MustCompile(`goroutine \d+|panic:|runtime/debug|\.go:\d+`)

// classify marks a as an outage (503 with the temporarily-unavailable page
// or error and Retry-After), ok, or a problem (any other 5xx, a stack).
func (b *faultBrowser) classify(method, target string, a *faultAnswer, h http.Header) {
	b.counts.add(func(c *faultCounts) { c.requests++ })
	switch {
	case stackTraceRe.MatchString(a.body):
		b.counts.problem("%s %s: %d with a stack trace", method, target, a.status)
	case a.status == http.StatusServiceUnavailable:
		unavailable := strings.Contains(a.body, "temporarily unavailable") || strings.Contains(a.body, `"temporarily_unavailable"`)
		if !unavailable || h.Get("Retry-After") == "" {
			b.counts.problem("%s %s: 503 without the unavailable answer or Retry-After: %.200s", method, target, a.body)
			return
		}
		a.outage = true
		b.counts.add(func(c *faultCounts) { c.outages++ })
	case a.status >= 500:
		b.counts.problem("%s %s: %d %.200s", method, target, a.status, a.body)
	default:
		if u, err := url.Parse(a.loc); err == nil && u.Query().Get("error") == "temporarily_unavailable" {
			a.outage = true
			b.counts.add(func(c *faultCounts) { c.outages++ })
			return
		}
		a.ok = true
	}
}

// faultReplicas starts n replicas on dbURL behind one issuer (the first's
// address), with letters to sink.
func faultReplicas(t *testing.T, n int, dbURL string, sink *testharness.SMTPSink) ([]*testserver.Server, []string) {
	t.Helper()
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
	}
	env := map[string]string{
		"GATEHOUSE_SECRET_KEY":          random(t) + random(t),
		"GATEHOUSE_ISSUER":              "http://" + lns[0].Addr().String(),
		"GATEHOUSE_DEV":                 "true",
		"GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha,
		"GATEHOUSE_READINESS_TIMEOUT":   "1s",
		"GATEHOUSE_SMTP_URL":            sink.URL(),
		"GATEHOUSE_MAIL_FROM":           "Gatehouse <no-reply@example.test>",
		"GATEHOUSE_MAIL_MAX_ATTEMPTS":   "1000", // down for the whole test: never abandoned
		"GATEHOUSE_LOG_LEVEL":           "info",
	}
	var servers []*testserver.Server
	var urls []string
	for _, ln := range lns {
		s := testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env, Listener: ln,
			MailRetryBase: 100 * time.Millisecond, MailRetryMax: time.Second})
		servers = append(servers, s)
		urls = append(urls, s.URL)
	}
	return servers, urls
}

// TestFaultSuiteThreeReplicas (issue 19, item 1): three replicas on one
// PostgreSQL, reached through the harness's TCP proxy, get round-robin
// registrations, sign-ins, code exchanges and refreshes while the database
// is cut for faultCut and SMTP is down for the whole test. Every answer is
// a success or fails closed (503 page or temporarily_unavailable, with
// Retry-After; never another 5xx or a stack); /readyz is 503 on every
// replica during the cut and 200 again after it without a restart; every
// registration that was answered exists once, with its letter; a retried
// registration creates no second user; no code is redeemed twice; and once
// SMTP is up every letter arrives exactly once.
func TestFaultSuiteThreeReplicas(t *testing.T) {
	dbURL, proxy := testharness.PostgresViaProxy(t)
	sink := testharness.NewSMTPSink(t)
	sink.SetDown(true)
	servers, urls := faultReplicas(t, 3, dbURL, sink)
	a := servers[0]
	secret := registerClient(t, a, "fault-app", true)
	const signInWorkers, registrations = 3, 9
	for i := range signInWorkers {
		a.CreateUser(t, fmt.Sprintf("signin-%d@example.test", i), testPass)
	}
	rp := newRelyingParty(t, a, "fault-app", secret) // discovery and the authorization URLs
	counts := &faultCounts{}
	var next atomic.Int64

	var cutOver atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range signInWorkers {
		wg.Go(func() {
			login := fmt.Sprintf("signin-%d@example.test", i)
			for {
				select {
				case <-stop:
					return
				default:
				}
				b := newFaultBrowser(urls, &next, counts) // a new browser: the password is checked
				done := faultSignIn(b, rp, secret, login)
				if done && cutOver.Load() {
					counts.add(func(c *faultCounts) { c.signInsAfterCut++ })
				}
				if !done {
					time.Sleep(100 * time.Millisecond) // as a person would, before trying again
				}
			}
		})
	}
	registered := make([]bool, registrations)
	var regs sync.WaitGroup
	for i := range registrations {
		regs.Go(func() {
			time.Sleep(time.Duration(i) * faultCut / registrations) // spread over the cut
			b := newFaultBrowser(urls, &next, counts)
			registered[i] = faultRegister(b, i, 2*faultCut+time.Minute)
		})
	}

	// Codes and a refresh token obtained before the cut are redeemed while
	// the database is away: they are answered temporarily_unavailable, and
	// redeem once it is back.
	holder := newRelyingParty(t, a, "fault-app", secret)
	f0 := holder.newFlow()
	tok0, err := holder.exchange(f0, holder.signIn(f0, "signin-0@example.test", testPass))
	if err != nil {
		t.Fatal(err)
	}
	type heldCode struct {
		code string
		f    authFlow
	}
	var held []heldCode
	for range 3 {
		f := holder.newFlow()
		held = append(held, heldCode{holder.codeFrom(f, f.url), f})
	}
	var heldRedeemed, heldRefreshed atomic.Int32
	var heldWG sync.WaitGroup

	time.Sleep(faultCut / 5)
	proxy.Cut()
	cutAt := time.Now()
	for _, h := range held {
		heldWG.Go(func() {
			b := newFaultBrowser(urls, &next, counts)
			form := url.Values{"grant_type": {"authorization_code"}, "code": {h.code}, "redirect_uri": {rpRedirect}, "code_verifier": {h.f.verifier}}
			if _, ok := faultToken(b, secret, form, 2*faultCut+time.Minute); ok {
				heldRedeemed.Add(1)
			}
		})
	}
	heldWG.Go(func() {
		b := newFaultBrowser(urls, &next, counts)
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok0.RefreshToken}}
		if _, ok := faultToken(b, secret, form, 2*faultCut+time.Minute); ok {
			heldRefreshed.Add(1)
		}
	})
	for _, u := range urls {
		waitStatus(t, u+"/readyz", http.StatusServiceUnavailable, faultCut)
	}
	time.Sleep(time.Until(cutAt.Add(faultCut)))
	proxy.Restore()
	restored := time.Now()
	for _, u := range urls {
		waitStatus(t, u+"/readyz", http.StatusOK, 30*time.Second)
	}
	readyAfter := time.Since(restored)
	cutOver.Store(true)

	regs.Wait()
	heldWG.Wait()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		counts.mu.Lock()
		enough := counts.signInsAfterCut >= signInWorkers
		counts.mu.Unlock()
		if enough {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	// A retried registration (the client did not see the first answer)
	// answers the same and creates no second user.
	ctx := t.Context()
	db := a.Srv.Store().DB()
	lostUsers, halfUsers := 0, 0
	for i, ok := range registered {
		email := fmt.Sprintf("reg-%d@example.test", i)
		if !ok {
			t.Errorf("registration %d never went through", i)
			continue
		}
		if !faultRegister(newFaultBrowser(urls, &next, counts), i, time.Minute) {
			t.Errorf("retrying registration %d failed", i)
		}
		var users, letters int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE email = $1`, email).Scan(&users); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outbox_messages WHERE recipient = $1`, email).Scan(&letters); err != nil {
			t.Fatal(err)
		}
		switch {
		case users == 0:
			lostUsers++
		case users > 1:
			t.Errorf("%s: %d users", email, users)
		case letters == 0:
			halfUsers++
		}
	}

	// SMTP comes back: every letter goes out, once.
	sink.SetDown(false)
	var pending, abandoned, sent int
	for end := time.Now().Add(time.Minute); ; {
		err := db.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE sent_at IS NULL AND abandoned_at IS NULL),
			count(*) FILTER (WHERE abandoned_at IS NOT NULL),
			count(*) FILTER (WHERE sent_at IS NOT NULL) FROM outbox_messages`).Scan(&pending, &abandoned, &sent)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 || time.Now().After(end) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	byID := map[string]int{}
	for _, m := range sink.Messages() {
		byID[m.Header.Get("Message-Id")]++
	}
	duplicates := 0
	for _, n := range byID {
		duplicates += n - 1
	}

	t.Logf("fault suite: cut %v; %d answers, %d fail-closed 503s (%d at the token endpoint), %d problems; %d sign-ins (%d after the cut), %d refreshes; held over the cut: %d of %d codes and %d of 1 refresh token redeemed",
		faultCut, counts.requests, counts.outages, counts.tokenOutages, len(counts.problems), counts.signIns, counts.signInsAfterCut, counts.refreshes,
		heldRedeemed.Load(), len(held), heldRefreshed.Load())
	t.Logf("fault suite: /readyz 200 on all replicas %v after the restore (issue 19 asks within 5 s)", readyAfter.Round(time.Millisecond))
	t.Logf("fault suite: lost users %d, users without their letter %d, duplicate letters %d, double-spent codes %d, codes redeemed by a commit whose answer was lost %d",
		lostUsers, halfUsers, duplicates, counts.doubleSpent, counts.spentWithoutTokens)
	t.Logf("fault suite: letters: %d sent, %d arrived (%d distinct), %d pending, %d abandoned; SMTP refused %d times while down",
		sent, len(sink.Messages()), len(byID), pending, abandoned, sink.Refused())
	for _, p := range counts.problems {
		t.Errorf("not failing closed: %s", p)
	}
	if lostUsers != 0 || halfUsers != 0 || duplicates != 0 || counts.doubleSpent != 0 {
		t.Errorf("lost users %d, half users %d, duplicate letters %d, double-spent codes %d: want all 0",
			lostUsers, halfUsers, duplicates, counts.doubleSpent)
	}
	if pending != 0 || abandoned != 0 || len(byID) != sent {
		t.Errorf("letters: %d pending, %d abandoned, %d sent but %d arrived", pending, abandoned, sent, len(byID))
	}
	if counts.outages == 0 || counts.tokenOutages == 0 {
		t.Errorf("%d requests, %d of them token requests, met the cut: the suite proved nothing", counts.outages, counts.tokenOutages)
	}
	if heldRedeemed.Load() != int32(len(held)) || heldRefreshed.Load() != 1 {
		t.Errorf("of %d codes held over the cut %d redeemed after it, and %d of 1 refresh token: want all", len(held), heldRedeemed.Load(), heldRefreshed.Load())
	}
	if counts.signInsAfterCut < signInWorkers {
		t.Errorf("%d sign-ins after the cut, want at least %d (the pools did not reconnect?)", counts.signInsAfterCut, signInWorkers)
	}
}

var faultCaptchaRe = regexp.MustCompile(`name="captcha_id" value="([^"]+)"`)

// faultRegister registers reg-i until a page other than the outage page
// answers (or within d), and reports whether the registration went through.
func faultRegister(b *faultBrowser, i int, d time.Duration) bool {
	form := shapeAForm(fmt.Sprintf("reg%d", i), fmt.Sprintf("reg-%d@example.test", i), testPass)
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		page := b.send(http.MethodGet, "/register?lang=en", nil, [2]string{})
		if !page.ok {
			continue
		}
		m := faultCaptchaRe.FindStringSubmatch(page.body)
		if page.status != http.StatusOK || m == nil {
			b.counts.problem("GET /register: %d without a captcha", page.status)
			return false
		}
		form.Set("captcha_id", m[1])
		form.Set("captcha", testCaptcha)
		answer := b.send(http.MethodPost, "/register?lang=en", form, [2]string{})
		switch {
		case answer.outage || (!answer.ok && answer.status == 0):
			continue // tried again, as a person would
		case answer.status == http.StatusOK:
			return true
		default:
			b.counts.problem("POST /register reg-%d: %d %.300s", i, answer.status, mainText(answer.body))
			return false
		}
	}
	return false
}

// faultSignIn runs one sign-in through the login page and redeems the code
// (retrying the exchange while the database is away), refreshes the new
// refresh token, then checks the code does not redeem again. It reports
// whether the sign-in completed.
func faultSignIn(b *faultBrowser, rp *relyingParty, secret, login string) bool {
	f := rp.newFlow()
	raw := f.url
	var code string
	for range 10 {
		if strings.HasPrefix(raw, rpRedirect) {
			u, _ := url.Parse(raw)
			code = u.Query().Get("code")
			break
		}
		a := b.send(http.MethodGet, raw, nil, [2]string{})
		if !a.ok {
			return false
		}
		if a.status >= 300 && a.status < 400 {
			raw = a.loc
			continue
		}
		m := authRequestIDRe.FindStringSubmatch(a.body)
		if a.status != http.StatusOK || m == nil {
			b.counts.problem("sign-in page: %d %.200s", a.status, mainText(a.body))
			return false
		}
		post := b.send(http.MethodPost, "/login", url.Values{"login": {login}, "password": {testPass}, "authRequestID": {m[1]}}, [2]string{})
		if !post.ok {
			return false
		}
		if post.status != http.StatusSeeOther {
			b.counts.problem("POST /login: %d %.200s", post.status, mainText(post.body))
			return false
		}
		raw = post.loc
	}
	if code == "" {
		return false
	}
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier}}
	tokens, ok := faultToken(b, secret, exchange, time.Minute)
	if !ok {
		if tokens["error"] == "invalid_grant" {
			// The cut lost the answer to a commit: the code was claimed in
			// the transaction that stored its tokens, so it is redeemed
			// (its tokens exist, and the retry revokes them as a reuse),
			// not redeemable: never both, and never spent without tokens.
			b.counts.add(func(c *faultCounts) { c.spentWithoutTokens++ })
		}
		return false
	}
	b.counts.add(func(c *faultCounts) { c.signIns++ })
	refresh, _ := tokens["refresh_token"].(string)
	if _, ok := faultToken(b, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, time.Minute); ok {
		b.counts.add(func(c *faultCounts) { c.refreshes++ })
	}
	// Redeeming the code again fails (and revokes what it issued).
	if again, ok := faultToken(b, secret, exchange, time.Minute); ok {
		b.counts.add(func(c *faultCounts) { c.doubleSpent++ })
	} else if again["error"] != "invalid_grant" {
		b.counts.problem("redeeming a code twice: %v, want invalid_grant", again)
	}
	return true
}

// faultToken posts to the token endpoint until it answers other than
// temporarily_unavailable (or within d); ok when it issued tokens.
func faultToken(b *faultBrowser, secret string, form url.Values, d time.Duration) (map[string]any, bool) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		a := b.send(http.MethodPost, "/oauth/token", form, [2]string{"fault-app", secret})
		if a.outage {
			b.counts.add(func(c *faultCounts) { c.tokenOutages++ })
		}
		if a.outage || a.status == 0 {
			continue
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(a.body), &out); err != nil {
			b.counts.problem("token endpoint: %d %.200s", a.status, a.body)
			return nil, false
		}
		return out, a.status == http.StatusOK
	}
	return map[string]any{}, false
}
