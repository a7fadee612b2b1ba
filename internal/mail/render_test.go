package mail

import (
	"html"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/templates"
)

var hrefPattern = regexp.MustCompile(`href="([^"]*)"`)

// renderLetter enqueues l into a fresh outbox and returns the stored row.
func renderLetter(t *testing.T, m *Mailer, l Letter) storage.OutboxMessage {
	t.Helper()
	o := &memOutbox{}
	id := enqueue(t, m, o, l)
	return o.get(id)
}

// Every letter renders in every language with a subject, both parts, the
// instance name, the recipient's language and only links under the issuer.
func TestEveryLetterInEveryLanguage(t *testing.T) {
	m := newTestMailer(t, Options{})
	link := m.Link("/verify", url.Values{"token": {"t0k&n"}})
	subjects := map[string]string{}
	for _, lang := range []string{"en", "ru"} {
		for _, name := range Templates() {
			t.Run(lang+"/"+name, func(t *testing.T) {
				msg := renderLetter(t, m, Letter{To: "anna@example.org", Locale: lang, Template: name,
					Data: map[string]any{"Link": link, "Name": "Anna", "Login": "anna", "Reason": "duplicate", "Password": "Tmp7Pass9word", "Minutes": 30, "NewEmail": "an***@example.org"}})
				checkRendered(t, msg, lang)
				if slices.Contains(requiredData[name], "Link") {
					checkHasLink(t, msg, link)
				}
				if lang == "ru" && subjects[name] == msg.Subject {
					t.Errorf("the Russian subject is the English one: %q", msg.Subject)
				}
				subjects[name] = msg.Subject
			})
		}
	}
}

func checkRendered(t *testing.T, msg storage.OutboxMessage, lang string) {
	t.Helper()
	if msg.Subject == "" || hasLineBreak(msg.Subject) {
		t.Errorf("subject %q", msg.Subject)
	}
	for part, body := range map[string]string{"text": msg.TextBody, "html": msg.HTMLBody} {
		if strings.TrimSpace(body) == "" {
			t.Fatalf("empty %s part", part)
		}
		if !strings.Contains(body, "Acme ID") {
			t.Errorf("the %s part does not name the instance", part)
		}
		if strings.Contains(body, "<no value>") || strings.Contains(body, "mail.") {
			t.Errorf("the %s part has a missing value or a raw key:\n%s", part, body)
		}
	}
	if !strings.Contains(msg.HTMLBody, `<html lang="`+lang+`">`) {
		t.Errorf("HTML part is not marked lang=%s", lang)
	}
	if lang == "ru" && !hasCyrillic(msg.Subject+msg.TextBody) {
		t.Errorf("Russian letter without Cyrillic: %q", msg.Subject)
	}
	for _, l := range append(linksIn(msg.TextBody), hrefs(msg.HTMLBody)...) {
		if !strings.HasPrefix(l, testIssuer+"/") && l != testIssuer {
			t.Errorf("link %q is not under the issuer", l)
		}
	}
}

func checkHasLink(t *testing.T, msg storage.OutboxMessage, link string) {
	t.Helper()
	if !slices.Contains(linksIn(msg.TextBody), link) {
		t.Errorf("text part lacks the link %s:\n%s", link, msg.TextBody)
	}
	if !slices.Contains(hrefs(msg.HTMLBody), link) {
		t.Errorf("HTML part lacks href=%s:\n%s", link, msg.HTMLBody)
	}
}

func hrefs(body string) []string {
	var out []string
	for _, m := range hrefPattern.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func hasCyrillic(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
}

func TestLetterLanguage(t *testing.T) {
	m := newTestMailer(t, Options{})
	en := renderLetter(t, m, Letter{To: "a@example.org", Locale: "en", Template: AwaitingApproval})
	tests := []struct {
		locale string
		want   string // "en" or "ru"
	}{
		{"", "en"}, {"de", "en"}, {"ru", "ru"}, {"ru-RU", "ru"}, {"RU_ru", "ru"}, {"en-GB", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.locale, func(t *testing.T) {
			msg := renderLetter(t, m, Letter{To: "a@example.org", Locale: tc.locale, Template: AwaitingApproval})
			if got := msg.Subject == en.Subject; got != (tc.want == "en") {
				t.Errorf("locale %q gave subject %q, want the %s letter", tc.locale, msg.Subject, tc.want)
			}
		})
	}
}

func TestOptionalData(t *testing.T) {
	m := newTestMailer(t, Options{})
	bare := renderLetter(t, m, Letter{To: "a@example.org", Template: RegistrationRejected})
	if strings.Contains(bare.TextBody, "Reason") || !strings.Contains(bare.TextBody, "Hello,") {
		t.Errorf("letter without Reason and Name:\n%s", bare.TextBody)
	}
	full := renderLetter(t, m, Letter{To: "a@example.org", Template: RegistrationRejected,
		Data: map[string]any{"Name": `<b>Anna</b>`, "Reason": `spam <script>alert(1)</script>`}})
	if !strings.Contains(full.TextBody, "Reason: spam <script>alert(1)</script>") ||
		!strings.Contains(full.TextBody, "Hello <b>Anna</b>,") {
		t.Errorf("text part:\n%s", full.TextBody)
	}
	if strings.Contains(full.HTMLBody, "<script>") || strings.Contains(full.HTMLBody, "<b>Anna") ||
		!strings.Contains(full.HTMLBody, "spam &lt;script&gt;") {
		t.Errorf("HTML part does not escape the data:\n%s", full.HTMLBody)
	}
}

// The already_registered letter links to sign-in and reset on the issuer.
func TestAlreadyRegisteredLinks(t *testing.T) {
	m := newTestMailer(t, Options{Issuer: "https://example.com/id/"})
	msg := renderLetter(t, m, Letter{To: "a@example.org", Template: AlreadyRegistered})
	for _, want := range []string{"https://example.com/id/login", "https://example.com/id/reset"} {
		if !slices.Contains(linksIn(msg.TextBody), want) || !slices.Contains(hrefs(msg.HTMLBody), want) {
			t.Errorf("no link %s in\n%s\n%s", want, msg.TextBody, msg.HTMLBody)
		}
	}
}

// Every t key used by a mail template exists in every catalog, every file
// is a known letter or the layout, and every letter has both files.
func TestMailTemplateKeysExist(t *testing.T) {
	b, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	fsys := templates.Mail()
	names, err := fs.Glob(fsys, "*.*")
	if err != nil {
		t.Fatal(err)
	}
	known := append(Templates(), layoutFile)
	for _, name := range known {
		for _, ext := range []string{".txt", ".html"} {
			if !slices.Contains(names, name+ext) {
				t.Errorf("templates/mail lacks %s%s", name, ext)
			}
		}
	}
	for _, file := range names {
		if file == "README.txt" {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(file, ".txt"), ".html")
		if !slices.Contains(known, base) {
			t.Errorf("templates/mail/%s is not a known letter; add it to Templates()", file)
		}
		for _, key := range templateKeys(t, fsys, file) {
			for _, lang := range b.Supported() {
				if _, ok := b.Message(lang, key); !ok {
					t.Errorf("%s uses %q, missing from %s", file, key, lang)
				}
			}
		}
	}
}

// templateKeys returns the literal keys passed to t in one template file.
func templateKeys(t *testing.T, fsys fs.FS, file string) []string {
	t.Helper()
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		t.Fatal(err)
	}
	tree := parse.New(file)
	tree.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tree.Parse(string(src), "", "", trees); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	var keys []string
	for _, tr := range trees {
		walk(tr.Root, func(cmd *parse.CommandNode) {
			if len(cmd.Args) < 2 {
				return
			}
			if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok && id.Ident == "t" {
				s, ok := cmd.Args[1].(*parse.StringNode)
				if !ok {
					t.Errorf("%s: %s: the key must be a string literal", file, cmd)
					return
				}
				keys = append(keys, s.Text)
			}
		})
	}
	return keys
}

func walk(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walk(c, fn)
			}
		}
	case *parse.ActionNode:
		walk(n.Pipe, fn)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walk(c, fn)
			}
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			walk(a, fn)
		}
	case *parse.IfNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.WithNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.RangeNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.TemplateNode:
		walk(n.Pipe, fn)
	}
}

// A template that asks for a key no catalog has fails at New, not later.
func TestMissingKeyFailsAtRender(t *testing.T) {
	b, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	funcs := letterFuncs(b, "ru", func(string, url.Values) string { return "" }, defaultColor)
	tf := funcs["t"].(func(string, ...any) (string, error))
	if _, err := tf("mail.no_such_key"); err == nil {
		t.Error("t accepted a key no catalog has")
	}
	if got, err := tf("mail.account_active.button"); err != nil || got != "Войти" {
		t.Errorf("t = %q, %v", got, err)
	}
}
