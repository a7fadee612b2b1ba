package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/gatehouse/gatehouse/storage"
)

// fakeMailbox is a DevMailbox over a fixed list, newest first.
type fakeMailbox struct {
	msgs []storage.OutboxMessage
	err  error
}

func (f *fakeMailbox) List(_ context.Context, cursor string, limit int) (storage.Page[storage.OutboxMessage], error) {
	if f.err != nil {
		return storage.Page[storage.OutboxMessage]{}, f.err
	}
	switch cursor {
	case "":
	case "page2":
		return storage.Page[storage.OutboxMessage]{Items: f.msgs[limit:]}, nil
	default:
		return storage.Page[storage.OutboxMessage]{}, fmt.Errorf("cursor: %w", storage.ErrInvalid)
	}
	page := storage.Page[storage.OutboxMessage]{Items: f.msgs[:min(limit, len(f.msgs))]}
	if len(f.msgs) > limit {
		page.Next = "page2"
	}
	return page, nil
}

func (f *fakeMailbox) ByID(_ context.Context, id string) (storage.OutboxMessage, error) {
	for _, m := range f.msgs {
		if m.ID == id {
			return m, nil
		}
	}
	return storage.OutboxMessage{}, fmt.Errorf("outbox %s: %w", id, storage.ErrNotFound)
}

const devIssuer = "https://id.example.com"

func devLetters() []storage.OutboxMessage {
	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	return []storage.OutboxMessage{
		{
			ID: "newest", To: "anna@example.org", Subject: "Confirm your email address for Acme ID", Kind: "verify_email",
			CreatedAt: created, SentAt: created,
			TextBody: "Hello,\n\nConfirm:\nhttps://id.example.com/verify?token=abc&x=1.\n" +
				"Not ours: https://evil.example.net/phish and javascript:alert(1)\n<script>alert(1)</script>\n",
			HTMLBody: `<p style="margin:0">Hi <a href="https://id.example.com/verify?token=abc">go</a></p><script>alert(1)</script>`,
		},
		{ID: "retry", To: "boris@example.org", Subject: "Retrying", CreatedAt: created.Add(-time.Hour), Attempts: 2, LastError: "451 try later"},
		{ID: "gone", To: "vera@example.org", Subject: "Gone", CreatedAt: created.Add(-2 * time.Hour), Attempts: 8, AbandonedAt: created},
		{ID: "fresh", To: "gleb@example.org", Subject: "Fresh", CreatedAt: created.Add(-3 * time.Hour)},
	}
}

func newDevMailEngine(t *testing.T, dev bool, mailbox DevMailbox) http.Handler {
	t.Helper()
	u := newTestUI(t, Options{Dev: dev})
	r := newTestEngine(t, u)
	u.RegisterDevMail(r, mailbox, devIssuer+"/")
	// Requests come from this machine unless X-Test-Peer names another.
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.RemoteAddr = "127.0.0.1:50000"
		if peer := req.Header.Get("X-Test-Peer"); peer != "" {
			req.RemoteAddr = peer
		}
		r.ServeHTTP(w, req)
	})
}

// The mailbox answers only this machine: another address gets 403.
func TestDevMailOnlyForLoopback(t *testing.T) {
	h := newDevMailEngine(t, true, &fakeMailbox{msgs: devLetters()})
	for _, peer := range []string{"192.0.2.1:1234", "[2001:db8::1]:443", "10.0.0.5:8080"} {
		for _, target := range []string{"/dev/mail", "/dev/mail/newest"} {
			res := do(t, h, request{target: target, header: map[string]string{"X-Test-Peer": peer}})
			if res.Code != http.StatusForbidden || strings.Contains(res.Body.String(), "verify?token=abc") {
				t.Errorf("%s from %s: status %d, want 403 without letters", target, peer, res.Code)
			}
		}
	}
	for _, peer := range []string{"127.0.0.1:1", "[::1]:2"} {
		if res := do(t, h, request{target: "/dev/mail/newest", header: map[string]string{"X-Test-Peer": peer}}); res.Code != http.StatusOK {
			t.Errorf("from %s: status %d, want 200", peer, res.Code)
		}
	}
}

func TestDevMailList(t *testing.T) {
	h := newDevMailEngine(t, true, &fakeMailbox{msgs: devLetters()})
	res := do(t, h, request{target: "/dev/mail"})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d", res.Code)
	}
	rows := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "tr") && attr(n, "data-status") != "" })
	want := []struct{ subject, status, text string }{
		{"Confirm your email address for Acme ID", "sent", "sent"},
		{"Retrying", "retrying", "retrying after 2 failed attempts"},
		{"Gone", "abandoned", "abandoned"},
		{"Fresh", "pending", "waiting"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		row := textOf(rows[i])
		if attr(rows[i], "data-status") != w.status || !strings.Contains(row, w.subject) || !strings.Contains(row, w.text) {
			t.Errorf("row %d: %q (status %s)", i, row, attr(rows[i], "data-status"))
		}
	}
	link := first(t, rows[0], byTag("a"))
	if attr(link, "href") != "/dev/mail/newest" {
		t.Errorf("first letter links to %q", attr(link, "href"))
	}
	if !strings.Contains(textOf(rows[0]), "anna@example.org") || !strings.Contains(textOf(rows[0]), "2025-03-04 05:06:07 UTC") {
		t.Errorf("first row: %q", textOf(rows[0]))
	}
}

func TestDevMailListRussianAndEmpty(t *testing.T) {
	h := newDevMailEngine(t, true, &fakeMailbox{})
	res := do(t, h, request{target: "/dev/mail?lang=ru"})
	if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), "Писем пока нет.") {
		t.Errorf("status %d:\n%s", res.Code, res.Body)
	}
}

func TestDevMailPaging(t *testing.T) {
	var msgs []storage.OutboxMessage
	for i := range devMailPageSize + 3 {
		msgs = append(msgs, storage.OutboxMessage{ID: fmt.Sprint("m", i), Subject: fmt.Sprint("Letter ", i), To: "a@example.org"})
	}
	h := newDevMailEngine(t, true, &fakeMailbox{msgs: msgs})
	res := do(t, h, request{target: "/dev/mail"})
	older := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "a") && attr(n, "href") == "/dev/mail?cursor=page2" })
	if len(older) != 1 {
		t.Fatal("no link to older letters")
	}
	res = do(t, h, request{target: "/dev/mail?cursor=page2"})
	if rows := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "tr") && attr(n, "data-status") != "" }); len(rows) != 3 {
		t.Errorf("second page has %d rows, want 3", len(rows))
	}
	if res := do(t, h, request{target: "/dev/mail?cursor=bogus"}); res.Code != http.StatusBadRequest {
		t.Errorf("bad cursor: status %d", res.Code)
	}
}

// The letter page shows the text with clickable links under the issuer
// only, and the HTML as escaped source: nothing of the letter runs.
func TestDevMailMessage(t *testing.T) {
	h := newDevMailEngine(t, true, &fakeMailbox{msgs: devLetters()})
	res := do(t, h, request{target: "/dev/mail/newest"})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d", res.Code)
	}
	pre := first(t, res.doc, func(n *html.Node) bool { return isTag(n, "pre") && attr(n, "class") == "devmail-text" })
	var hrefs []string
	for _, a := range findAll(pre, byTag("a")) {
		hrefs = append(hrefs, attr(a, "href"))
	}
	if len(hrefs) != 1 || hrefs[0] != "https://id.example.com/verify?token=abc&x=1" {
		t.Errorf("links in the text part: %q", hrefs)
	}
	text := textOf(pre)
	for _, want := range []string{"https://evil.example.net/phish", "javascript:alert(1)", "<script>alert(1)</script>", "&x=1."} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	details := first(t, first(t, res.doc, byTag("main")), byTag("details"))
	if !strings.Contains(textOf(details), `<p style="margin:0">Hi`) {
		t.Errorf("HTML source not shown as text: %q", textOf(details))
	}
	// The letter's script is text; the only scripts are the pages' own
	// static files (show-password.js).
	for _, s := range findAll(res.doc, byTag("script")) {
		if !strings.HasPrefix(attr(s, "src"), "/static/") {
			t.Errorf("a <script> element from the letter on the page: %q", textOf(s))
		}
	}
	if !strings.Contains(res.Body.String(), "anna@example.org") || !strings.Contains(res.Body.String(), "verify_email") {
		t.Error("recipient or kind missing")
	}
}

func TestDevMailMessageRetrying(t *testing.T) {
	h := newDevMailEngine(t, true, &fakeMailbox{msgs: devLetters()})
	res := do(t, h, request{target: "/dev/mail/retry"})
	if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), "451 try later") {
		t.Errorf("status %d:\n%s", res.Code, res.Body)
	}
}

func TestDevMailErrors(t *testing.T) {
	h := newDevMailEngine(t, true, &fakeMailbox{msgs: devLetters()})
	if res := do(t, h, request{target: "/dev/mail/nope"}); res.Code != http.StatusNotFound {
		t.Errorf("unknown letter: status %d", res.Code)
	}
	broken := newDevMailEngine(t, true, &fakeMailbox{err: fmt.Errorf("db: %w", context.DeadlineExceeded)})
	if res := do(t, broken, request{target: "/dev/mail"}); res.Code != http.StatusInternalServerError {
		t.Errorf("store failure: status %d", res.Code)
	}
}

// Outside development mode the mailbox does not exist.
func TestDevMailOnlyInDevMode(t *testing.T) {
	h := newDevMailEngine(t, false, &fakeMailbox{msgs: devLetters()})
	for _, target := range []string{"/dev/mail", "/dev/mail/newest"} {
		if res := do(t, h, request{target: target}); res.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, res.Code)
		}
	}
}

func TestLinkify(t *testing.T) {
	got := linkify("a https://id.example.com/x. b https://id.example.com.evil.net/y c https://id.example.com", devIssuer)
	var b strings.Builder
	for _, s := range got {
		if s.Href != "" {
			fmt.Fprintf(&b, "[%s]", s.Href)
		} else {
			b.WriteString(s.Text)
		}
	}
	want := "a [https://id.example.com/x]. b https://id.example.com.evil.net/y c [https://id.example.com]"
	if b.String() != want {
		t.Errorf("linkify = %q, want %q", b.String(), want)
	}
}
