package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
)

// testBundle loads a small in-memory bundle for unit tests.
func testBundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load(fstest.MapFS{
		"en.json":    {Data: []byte(`{"hello": "Hello, {name}!", "only.en": "English only", "plain": "Plain"}`)},
		"ru.json":    {Data: []byte(`{"hello": "Привет, {name}!", "plain": "Просто"}`)},
		"pt-br.json": {Data: []byte(`{"plain": "Simples"}`)},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return b
}

func TestLoadRejectsBadCatalogs(t *testing.T) {
	en := &fstest.MapFile{Data: []byte(`{"a": "A"}`)}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no english", fstest.MapFS{"ru.json": {Data: []byte(`{"a": "А"}`)}}, "en.json"},
		{"bad file name", fstest.MapFS{"en.json": en, "Russian.json": {Data: []byte(`{}`)}}, "Russian.json"},
		{"not json", fstest.MapFS{"en.json": {Data: []byte(`{"a": `)}}, "en.json"},
		{"nested object", fstest.MapFS{"en.json": {Data: []byte(`{"a": {"b": "c"}}`)}}, `"a"`},
		{"number message", fstest.MapFS{"en.json": {Data: []byte(`{"a": 1}`)}}, `"a"`},
		{"duplicate key", fstest.MapFS{"en.json": {Data: []byte(`{"a": "A", "a": "B"}`)}}, "twice"},
		{"empty message", fstest.MapFS{"en.json": {Data: []byte(`{"a": ""}`)}}, "empty message"},
		{"empty key", fstest.MapFS{"en.json": {Data: []byte(`{"": "A"}`)}}, "empty key"},
		{"array", fstest.MapFS{"en.json": {Data: []byte(`["a"]`)}}, "flat object"},
		{"trailing data", fstest.MapFS{"en.json": {Data: []byte(`{"a": "A"} {}`)}}, "after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.fsys)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestSupportedListsDefaultFirst(t *testing.T) {
	got := strings.Join(testBundle(t).Supported(), ",")
	if got != "en,pt-br,ru" {
		t.Errorf("Supported() = %s, want en,pt-br,ru", got)
	}
}

func TestT(t *testing.T) {
	b := testBundle(t)
	tests := []struct {
		name string
		lang string
		key  string
		args []any
		want string
	}{
		{"english", "en", "plain", nil, "Plain"},
		{"russian", "ru", "plain", nil, "Просто"},
		{"named argument", "ru", "hello", []any{"name", "Аня"}, "Привет, Аня!"},
		{"argument formatted with Sprint", "en", "hello", []any{"name", 42}, "Hello, 42!"},
		{"missing in russian falls back to english", "ru", "only.en", nil, "English only"},
		{"unknown language falls back to english", "de", "plain", nil, "Plain"},
		{"unknown key gives the key", "ru", "no.such.key", nil, "no.such.key"},
		{"missing argument keeps the placeholder", "en", "hello", nil, "Hello, {name}!"},
		{"unrelated argument keeps the placeholder", "en", "hello", []any{"other", "x"}, "Hello, {name}!"},
		{"dangling name is ignored", "en", "hello", []any{"name"}, "Hello, {name}!"},
		{"non-string name is ignored", "en", "hello", []any{1, "x"}, "Hello, {name}!"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.T(tc.lang, tc.key, tc.args...); got != tc.want {
				t.Errorf("T(%q, %q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		args []any
		want string
	}{
		{"two placeholders", "{a} and {b}", []any{"a", 1, "b", 2}, "1 and 2"},
		{"repeated placeholder", "{a}{a}", []any{"a", "x"}, "xx"},
		{"reordered arguments", "{b} {a}", []any{"a", "A", "b", "B"}, "B A"},
		{"braces that are not placeholders", "{ a } {} {a-b} {", []any{"a", "x"}, "{ a } {} {a-b} {"},
		{"value with braces is not re-expanded", "{a} {b}", []any{"a", "{b}", "b", "B"}, "{b} B"},
		{"multibyte text around", "«{a}»", []any{"a", "ё"}, "«ё»"},
		{"placeholder at the end", "id: {id}", []any{"id", "X1"}, "id: X1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := format(tc.msg, tc.args); got != tc.want {
				t.Errorf("format(%q) = %q, want %q", tc.msg, got, tc.want)
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	got := strings.Join(Placeholders("{b} {a} {b} {not a name} {}"), ",")
	if got != "b,a" {
		t.Errorf("Placeholders = %s, want b,a", got)
	}
}

func TestMatch(t *testing.T) {
	b := testBundle(t)
	tests := []struct {
		name   string
		tag    string
		want   string
		wantOK bool
	}{
		{"exact", "ru", "ru", true},
		{"upper case", "RU", "ru", true},
		{"region dropped", "ru-RU", "ru", true},
		{"underscore separator", "ru_RU", "ru", true},
		{"script and region dropped", "ru-Cyrl-RU", "ru", true},
		{"regional catalog", "pt-BR", "pt-br", true},
		{"regional catalog not used for the bare language", "pt", "", false},
		{"unsupported", "de-DE", "", false},
		{"empty", "", "", false},
		{"wildcard", "*", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := b.Match(tc.tag)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.tag, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
