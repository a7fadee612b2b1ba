package i18n

import (
	"fmt"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	b := testBundle(t)
	tests := []struct {
		name   string
		query  string
		cookie string
		accept string
		want   string
	}{
		{"nothing gives english", "", "", "", "en"},
		{"query wins over cookie and header", "ru", "en", "en", "ru"},
		{"query is case-insensitive", "RU", "", "", "ru"},
		{"query with region", "ru-RU", "", "", "ru"},
		{"unsupported query falls to cookie", "de", "ru", "en", "ru"},
		{"garbage query falls to cookie", "<script>", "ru", "", "ru"},
		{"cookie wins over header", "", "ru", "en-US", "ru"},
		{"unsupported cookie falls to header", "", "xx", "ru", "ru"},
		{"header alone", "", "", "ru", "ru"},
		{"header region fallback", "", "", "ru-RU,ru;q=0.9", "ru"},
		{"header q-values order the choice", "", "", "en;q=0.5, ru;q=0.8", "ru"},
		{"header first supported wins", "", "", "de-DE, ru;q=0.7, en;q=0.3", "ru"},
		{"equal q keeps header order", "", "", "ru;q=0.5, en;q=0.5", "ru"},
		{"q=0 means not acceptable", "", "", "ru;q=0, en;q=0.1", "en"},
		{"only unsupported languages", "", "", "de, fr;q=0.9", "en"},
		{"wildcard gives default", "", "", "*", "en"},
		{"malformed q drops the range", "", "", "ru;q=2, en;q=0.1", "en"},
		{"uppercase Q parameter", "", "", "en;Q=0.1, ru;Q=0.9", "ru"},
		{"spaces everywhere", "", "", "  en ; q=0.2 ,  ru-RU ; q=0.9 ", "ru"},
		{"regional catalog from header", "", "", "pt-BR", "pt-br"},
		{"garbage header", "", "", ";;;,,,=", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := b.Negotiate(tc.query, tc.cookie, tc.accept)
			if got != tc.want {
				t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tc.query, tc.cookie, tc.accept, got, tc.want)
			}
		})
	}
}

func TestParseAcceptLanguage(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"empty", "", ""},
		{"single", "ru", "ru:1"},
		{"sorted by weight", "en;q=0.5,ru,de;q=0.8", "ru:1 de:0.8 en:0.5"},
		{"stable for equal weights", "a;q=0.5,b;q=0.5,c;q=0.5", "a:0.5 b:0.5 c:0.5"},
		{"three decimals", "ru;q=0.125", "ru:0.125"},
		{"q=1.000", "ru;q=1.000", "ru:1"},
		{"four decimals rejected", "ru;q=0.1234,en", "en:1"},
		{"q above one rejected", "ru;q=1.5,en", "en:1"},
		{"q=1.1 rejected", "ru;q=1.1,en", "en:1"},
		{"hex q rejected", "ru;q=0x1p0,en", "en:1"},
		{"negative q rejected", "ru;q=-1,en", "en:1"},
		{"empty q rejected", "ru;q=,en", "en:1"},
		{"q=0 dropped", "ru;q=0,en;q=0.000", ""},
		{"wildcard dropped", "*;q=0.5,ru", "ru:1"},
		{"other parameters ignored", "ru;level=1;q=0.4", "ru:0.4"},
		{"subtag too long", "ru-abcdefghi,en", "en:1"},
		{"digit in primary subtag", "r1,en", "en:1"},
		{"digits in later subtags", "es-419", "es-419:1"},
		{"empty subtag", "ru-,en", "en:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, r := range ParseAcceptLanguage(tc.header) {
				parts = append(parts, fmt.Sprintf("%s:%g", r.Tag, r.Q))
			}
			if got := strings.Join(parts, " "); got != tc.want {
				t.Errorf("ParseAcceptLanguage(%q) = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestParseAcceptLanguageBoundsWork(t *testing.T) {
	header := strings.Repeat("de,", 1000) + "ru"
	if n := len(ParseAcceptLanguage(header)); n != maxAcceptLanguageRanges {
		t.Errorf("read %d ranges, want at most %d", n, maxAcceptLanguageRanges)
	}
}
