package testharness

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestVersionedDirsHighestFirst(t *testing.T) {
	dirs := []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/13/bin",
		"/usr/pgsql-16/bin", "/opt/homebrew/opt/postgresql@14/bin"}
	keys := map[string][]int{}
	for _, d := range dirs {
		keys[d] = versionKey(d)
	}
	want := map[string][]int{
		"/usr/lib/postgresql/9.6/bin":         {9, 6},
		"/usr/lib/postgresql/15/bin":          {15},
		"/usr/lib/postgresql/13/bin":          {13},
		"/usr/pgsql-16/bin":                   {16},
		"/opt/homebrew/opt/postgresql@14/bin": {14},
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("versionKey = %v, want %v", keys, want)
	}
}

func TestDatabaseName(t *testing.T) {
	valid := regexp.MustCompile(`^gh_[a-z0-9_]{0,40}_[0-9a-f]{8}$`)
	for _, name := range []string{"TestX", "TestX/sub test #1", strings.Repeat("TestVeryLong/", 20), "Ünïcode"} {
		got := databaseName(name)
		if !valid.MatchString(got) || len(got) > 63 {
			t.Errorf("databaseName(%q) = %q", name, got)
		}
	}
	if databaseName("TestX") == databaseName("TestX") {
		t.Errorf("databaseName is not unique")
	}
}

func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "gh_x")
	if err != nil || got != "postgres://u:p@127.0.0.1:5432/gh_x?sslmode=disable" {
		t.Errorf("withDatabase = %q, %v", got, err)
	}
	if _, err := withDatabase("host=/tmp dbname=postgres", "gh_x"); err == nil {
		t.Errorf("a key=value DSN was accepted")
	}
	if r := redact("postgres://u:secret@h/db"); strings.Contains(r, "secret") {
		t.Errorf("redact kept the password: %s", r)
	}
}

func TestParseMessageEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name, raw, text, html string
		links                 []string
	}{
		{
			name:  "no content type, 8bit",
			raw:   "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nSee <https://a.example/x>, (https://b.example/y).\r\n",
			text:  "See <https://a.example/x>, (https://b.example/y).\r\n",
			links: []string{"https://a.example/x", "https://b.example/y"},
		},
		{
			name: "html only, latin-1, attachment skipped",
			raw: "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" +
				"Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
				"<a href=3D\"https://c.example/?a=3D1&amp;b=3D2\">Gr=FC=DFe</a>\r\n--B\r\n" +
				"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=x.txt\r\n\r\nhttp://not.this/\r\n--B--\r\n",
			html:  "<a href=\"https://c.example/?a=1&amp;b=2\">Grüße</a>",
			links: []string{"https://c.example/?a=1&b=2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseMessage([]byte(tc.raw))
			if m.ParseErr != nil {
				t.Fatalf("ParseErr: %v", m.ParseErr)
			}
			if m.TextBody != tc.text || m.HTMLBody != tc.html {
				t.Errorf("text %q html %q", m.TextBody, m.HTMLBody)
			}
			if got := m.Links(); !reflect.DeepEqual(got, tc.links) {
				t.Errorf("Links() = %q, want %q", got, tc.links)
			}
		})
	}
	if m := parseMessage([]byte("Subject: x\r\nContent-Type: multipart/alternative\r\n\r\nbody")); m.ParseErr == nil {
		t.Errorf("a multipart without boundary parsed without error")
	}
}
