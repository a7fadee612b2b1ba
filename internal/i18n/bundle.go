package i18n

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// Default is the reference language: every other catalog falls back to it,
// and Negotiate returns it when nothing else matches.
const Default = "en"

// langFile matches a catalog file name: a lowercase BCP 47 tag plus .json.
var langFile = regexp.MustCompile(`^([a-z]{2,3}(?:-[a-z0-9]{2,8})*)\.json$`)

// Bundle is the set of loaded catalogs. It is immutable after Load and safe
// for concurrent use.
type Bundle struct {
	catalogs  map[string]catalog
	supported []string // Default first, then alphabetical
}

// Load reads every <lang>.json at the root of fsys (for example
// templates.Locales()), and merges into each language the files of its
// folder, <lang>/<area>.json, so that each feature keeps its messages in
// a file of its own. A key defined twice for one language is an error.
// The English catalog is required.
func Load(fsys fs.FS) (*Bundle, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list catalogs: %w", err)
	}
	b := &Bundle{catalogs: make(map[string]catalog, len(names))}
	for _, name := range names {
		m := langFile.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("catalog %s: the name must be a lowercase language tag, like ru.json or pt-br.json", name)
		}
		c, err := readCatalog(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := mergeArea(fsys, m[1], c); err != nil {
			return nil, err
		}
		b.catalogs[m[1]] = c
	}
	if _, ok := b.catalogs[Default]; !ok {
		return nil, fmt.Errorf("no %s.json: the %q catalog is the reference and must exist", Default, Default)
	}
	b.supported = sortedLanguages(b.catalogs)
	return b, nil
}

func readCatalog(fsys fs.FS, name string) (catalog, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read catalog %s: %w", name, err)
	}
	c, err := parseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	return c, nil
}

// mergeArea adds the messages of <lang>/*.json to c.
func mergeArea(fsys fs.FS, lang string, c catalog) error {
	areas, err := fs.Glob(fsys, lang+"/*.json")
	if err != nil {
		return fmt.Errorf("list catalogs of %s: %w", lang, err)
	}
	for _, name := range areas {
		area, err := readCatalog(fsys, name)
		if err != nil {
			return err
		}
		for key, msg := range area {
			if _, dup := c[key]; dup {
				return fmt.Errorf("catalog %s: key %q is already defined for %s", name, key, lang)
			}
			c[key] = msg
		}
	}
	return nil
}

func sortedLanguages(catalogs map[string]catalog) []string {
	langs := make([]string, 0, len(catalogs))
	for lang := range catalogs {
		if lang != Default {
			langs = append(langs, lang)
		}
	}
	slices.Sort(langs)
	return append([]string{Default}, langs...)
}

// Supported lists the languages with a catalog, Default first.
func (b *Bundle) Supported() []string { return slices.Clone(b.supported) }

// Match maps a language tag to a supported language: exactly (ignoring
// case, "_" for "-"), else by dropping subtags from the right, so ru-RU and
// ru_ru both give ru. ok is false when nothing matches.
func (b *Bundle) Match(tag string) (lang string, ok bool) {
	tag = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	for tag != "" {
		if _, ok := b.catalogs[tag]; ok {
			return tag, true
		}
		i := strings.LastIndexByte(tag, '-')
		if i < 0 {
			break
		}
		tag = tag[:i]
	}
	return "", false
}

// Keys lists the keys lang's own catalog defines, sorted; nil when lang has
// no catalog. Tests use it to compare catalogs.
func (b *Bundle) Keys(lang string) []string {
	c, ok := b.catalogs[lang]
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Message is lang's own, unformatted message for key, for tests and tools.
func (b *Bundle) Message(lang, key string) (string, bool) {
	msg, ok := b.catalogs[lang][key]
	return msg, ok
}

// T translates key into lang, falling back to English and then to the key
// itself, and fills {name} placeholders from args, given as alternating
// name/value pairs.
func (b *Bundle) T(lang, key string, args ...any) string {
	msg, ok := b.lookup(lang, key)
	if !ok {
		return key
	}
	return format(msg, args)
}

func (b *Bundle) lookup(lang, key string) (string, bool) {
	if msg, ok := b.catalogs[lang][key]; ok {
		return msg, true
	}
	msg, ok := b.catalogs[Default][key]
	return msg, ok
}

// Placeholders lists the distinct {name} placeholders of msg in order of
// first appearance.
func Placeholders(msg string) []string {
	var names []string
	scanPlaceholders(msg, func(_, _ int, name string) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	})
	return names
}

// format replaces each {name} in msg with the value paired with name in
// args (name1, value1, name2, value2, ...). Unknown names, non-string names
// and a trailing name without a value leave the placeholder as written.
func format(msg string, args []any) string {
	if len(args) < 2 || !strings.Contains(msg, "{") {
		return msg
	}
	var sb strings.Builder
	last := 0
	scanPlaceholders(msg, func(start, end int, name string) {
		v, ok := argValue(args, name)
		if !ok {
			return
		}
		sb.WriteString(msg[last:start])
		sb.WriteString(fmt.Sprint(v))
		last = end
	})
	if last == 0 {
		return msg
	}
	sb.WriteString(msg[last:])
	return sb.String()
}

func argValue(args []any, name string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == name {
			return args[i+1], true
		}
	}
	return nil, false
}

// scanPlaceholders calls fn for each {name} in msg with its byte span
// [start, end) and name. A name is one or more ASCII letters, digits or
// underscores; other braces are literal text.
func scanPlaceholders(msg string, fn func(start, end int, name string)) {
	for i := 0; i < len(msg); i++ {
		if msg[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(msg) && isNameByte(msg[j]) {
			j++
		}
		if j > i+1 && j < len(msg) && msg[j] == '}' {
			fn(i, j+1, msg[i+1:j])
			i = j
		}
	}
}

func isNameByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
