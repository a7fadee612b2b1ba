package ui

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/account"
)

// Durations for people: the console shows a lifetime as "30 days",
// "12 hours" or "1 day 12 hours" (plural forms from the catalog, in the
// reader's language) and reads it back in the same words, in any of the
// catalog's languages, as well as in the short forms "30d", "12h",
// "15m" and Go's "720h0m0s".

// durationUnit is one unit a duration is written in.
type durationUnit struct {
	name string // catalog: console2.duration.<name>.<form>
	size time.Duration
}

// durationUnits, largest first.
var durationUnits = []durationUnit{
	{"days", 24 * time.Hour}, {"hours", time.Hour}, {"minutes", time.Minute}, {"seconds", time.Second},
}

// pluralForms are the catalog's plural forms: CLDR's one, few and many
// (English uses one and many).
var pluralForms = []string{"one", "few", "many"}

// pluralForm is the CLDR plural category of n in lang.
func pluralForm(lang string, n int64) string {
	if lang == "ru" {
		switch {
		case n%10 == 1 && n%100 != 11:
			return "one"
		case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
			return "few"
		}
		return "many"
	}
	if n == 1 {
		return "one"
	}
	return "many"
}

func durationKey(unit, form string) string { return "console2.duration." + unit + "." + form }

// humanDuration writes d in lang: "30 days", "1 day 12 hours", "15
// minutes"; sub-second parts are dropped and zero is "0 minutes".
func (u *UI) humanDuration(lang string, d time.Duration) string {
	if d < time.Second {
		return u.bundle.T(lang, durationKey("minutes", pluralForm(lang, 0)), "n", 0)
	}
	var parts []string
	for _, unit := range durationUnits {
		n := int64(d / unit.size)
		if n == 0 {
			continue
		}
		d -= time.Duration(n) * unit.size
		parts = append(parts, u.bundle.T(lang, durationKey(unit.name, pluralForm(lang, n)), "n", n))
	}
	return strings.Join(parts, " ")
}

// errDuration: the text is not a duration.
var errDuration = errors.New("ui: not a duration")

// shortUnits are the unit words every language accepts.
var shortUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "min": time.Minute, "s": time.Second,
}

// parseHumanDuration reads a duration as humanDuration writes it in any
// supported language ("30 days", "1 день 12 часов"), a short form
// ("30d", "12h 30m") or a Go duration ("720h0m0s"). Numbers are whole
// and not negative; a number without a unit is refused.
func (u *UI) parseHumanDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	if strings.ContainsAny(s, "-+") {
		return 0, errDuration
	}
	words := u.unitWords()
	tokens := splitNumberWords(strings.ToLower(s))
	if len(tokens) == 0 || len(tokens)%2 != 0 {
		return 0, errDuration
	}
	var total time.Duration
	for i := 0; i < len(tokens); i += 2 {
		n, err := strconv.ParseInt(tokens[i], 10, 32)
		if err != nil || n < 0 {
			return 0, errDuration
		}
		size, ok := words[strings.TrimSuffix(tokens[i+1], ".")]
		if !ok {
			size, ok = shortUnits[strings.TrimSuffix(tokens[i+1], ".")]
		}
		if !ok {
			return 0, errDuration
		}
		total += time.Duration(n) * size
	}
	return total, nil
}

// splitNumberWords splits "1 day, 12hours" into "1", "day", "12", "hours":
// runs of digits and runs of letters, separators dropped.
func splitNumberWords(s string) []string {
	var out []string
	var cur strings.Builder
	kind := 0 // 1 digits, 2 letters
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		k := 0
		switch {
		case unicode.IsDigit(r):
			k = 1
		case unicode.IsLetter(r) || r == '.':
			k = 2
		}
		if k != kind {
			flush()
			kind = k
		}
		if k != 0 {
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// unitWords maps every catalog word of every unit, in every supported
// language, to its size ("days" and "дней" to 24h).
func (u *UI) unitWords() map[string]time.Duration {
	words := map[string]time.Duration{}
	for _, lang := range u.bundle.Supported() {
		for _, unit := range durationUnits {
			for _, form := range pluralForms {
				msg, ok := u.bundle.Message(lang, durationKey(unit.name, form))
				if !ok {
					continue
				}
				w := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(msg, "{n}", "")))
				if w != "" {
					words[w] = unit.size
				}
			}
		}
	}
	return words
}

// durationMessageKeys lists the duration keys.
func durationMessageKeys() []string {
	var keys []string
	for _, unit := range durationUnits {
		for _, form := range pluralForms {
			keys = append(keys, durationKey(unit.name, form))
		}
	}
	return keys
}

// isDurationField reports whether a settings field holds a duration.
func isDurationField(name string) bool {
	return name == "tokens_max_lifetime" || slices.Contains(settingsDurations, name)
}

// durationHelpKey is the hint of a duration field of the settings form.
func durationHelpKey(name string) string { return "console2.settings." + name + "_help" }

// humanizeDurations writes the lifetimes of the settings form in words.
func (u *UI) humanizeDurations(lang string, in settingsInput, l account.SessionLifetimes, cs account.ConsoleSettings) settingsInput {
	for _, name := range settingsDurations {
		in.Durations[name] = u.humanDuration(lang, *lifetimeField(&l, name))
	}
	in.Console = consoleInputOf(cs)
	in.Console.MaxLifetime = u.humanDuration(lang, cs.TokenMaxLifetime)
	return in
}

// parseDurations is in with its durations in Go's form, for the rules
// that apply them; a duration that does not parse stays as typed (and is
// refused by them). in itself keeps what was typed, for the form.
func (u *UI) parseDurations(in settingsInput) settingsInput {
	out := in
	out.Durations = maps.Clone(in.Durations)
	for name, v := range out.Durations {
		if d, err := u.parseHumanDuration(v); err == nil {
			out.Durations[name] = d.String()
		}
	}
	if d, err := u.parseHumanDuration(in.Console.MaxLifetime); err == nil {
		out.Console.MaxLifetime = d.String()
	}
	return out
}
