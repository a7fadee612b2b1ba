package i18n

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// maxAcceptLanguageRanges bounds the work one header can cause.
const maxAcceptLanguageRanges = 32

// Negotiate picks the language of a page. In order of precedence: the
// ?lang= query value, the lang cookie, the Accept-Language header (by
// q-value, region dropped when needed: ru-RU gives ru), then Default. Values
// that match no supported language are skipped.
func (b *Bundle) Negotiate(query, cookie, acceptLanguage string) string {
	for _, v := range []string{query, cookie} {
		if lang, ok := b.Match(v); ok {
			return lang
		}
	}
	for _, r := range ParseAcceptLanguage(acceptLanguage) {
		if lang, ok := b.Match(r.Tag); ok {
			return lang
		}
	}
	return Default
}

// LanguageRange is one entry of an Accept-Language header.
type LanguageRange struct {
	Tag string  // as sent, for example "ru-RU" or "*"
	Q   float64 // weight in (0, 1]
}

// ParseAcceptLanguage parses an Accept-Language header (RFC 9110 §12.5.4)
// into its ranges, highest weight first; ranges of equal weight keep the
// header's order. Ranges with q=0 (not acceptable), the wildcard "*",
// malformed tags and malformed weights are dropped. At most 32 ranges are
// read.
func ParseAcceptLanguage(header string) []LanguageRange {
	var ranges []LanguageRange
	for i, part := range strings.Split(header, ",") {
		if i == maxAcceptLanguageRanges {
			break
		}
		r, ok := parseLanguageRange(part)
		if ok {
			ranges = append(ranges, r)
		}
	}
	slices.SortStableFunc(ranges, func(a, b LanguageRange) int { return cmp.Compare(b.Q, a.Q) })
	return ranges
}

func parseLanguageRange(s string) (LanguageRange, bool) {
	tag, params, _ := strings.Cut(s, ";")
	tag = strings.TrimSpace(tag)
	if !validRangeTag(tag) {
		return LanguageRange{}, false
	}
	q := 1.0
	for p := range strings.SplitSeq(params, ";") {
		name, value, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, ok := parseQValue(strings.TrimSpace(value))
		if !ok {
			return LanguageRange{}, false
		}
		q = v
	}
	if q == 0 {
		return LanguageRange{}, false
	}
	return LanguageRange{Tag: tag, Q: q}, true
}

// validRangeTag accepts 1*8ALPHA *("-" 1*8alphanum), the language-range
// syntax; the wildcard is useless for picking a catalog and is refused.
func validRangeTag(tag string) bool {
	if tag == "" {
		return false
	}
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) == 0 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j] | 0x20 // ASCII lower case
			letter := 'a' <= c && c <= 'z'
			digit := '0' <= sub[j] && sub[j] <= '9'
			if !letter && (i == 0 || !digit) {
				return false
			}
		}
	}
	return true
}

// parseQValue accepts RFC 9110 weights: "0" or "1", optionally followed by
// a point and up to three digits (only zeros after a 1).
func parseQValue(s string) (float64, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	if len(s) > 1 {
		if s[1] != '.' {
			return 0, false
		}
		for i := 2; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' || (s[0] == '1' && s[i] != '0') {
				return 0, false
			}
		}
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return q, true
}
