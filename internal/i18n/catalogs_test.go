package i18n

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/gatehouse/gatehouse/templates"
)

// shippedBundle loads the catalogs that are embedded in the binary.
func shippedBundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load(templates.Locales())
	if err != nil {
		t.Fatalf("load shipped catalogs: %v", err)
	}
	return b
}

func TestShippedLanguages(t *testing.T) {
	got := strings.Join(shippedBundle(t).Supported(), ",")
	if got != "en,ru" {
		t.Errorf("Supported() = %s, want en,ru", got)
	}
}

// Every catalog has exactly the English keys, so no page silently shows
// English (or a raw key) to a Russian reader, and nothing is left over.
func TestShippedCatalogsHaveTheSameKeys(t *testing.T) {
	b := shippedBundle(t)
	en := b.Keys(Default)
	for _, lang := range b.Supported()[1:] {
		other := b.Keys(lang)
		for _, k := range en {
			if !slices.Contains(other, k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
		for _, k := range other {
			if !slices.Contains(en, k) {
				t.Errorf("%s.json has %q, which en.json lacks", lang, k)
			}
		}
	}
}

// A translation uses exactly the placeholders of the English message, so
// no argument is dropped and none is left unfilled.
func TestShippedCatalogsAgreeOnPlaceholders(t *testing.T) {
	b := shippedBundle(t)
	for _, lang := range b.Supported() {
		for _, key := range b.Keys(lang) {
			msg, _ := b.Message(lang, key)
			ref, ok := b.Message(Default, key)
			if !ok {
				continue // reported by TestShippedCatalogsHaveTheSameKeys
			}
			got, want := Placeholders(msg), Placeholders(ref)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s %q has placeholders %v, en has %v", lang, key, got, want)
			}
		}
	}
}

func TestShippedCatalogsNameTheirLanguage(t *testing.T) {
	b := shippedBundle(t)
	names := map[string]bool{}
	for _, lang := range b.Supported() {
		name, ok := b.Message(lang, "lang.name")
		if !ok {
			t.Errorf("%s.json lacks lang.name", lang)
		}
		if names[name] {
			t.Errorf("two catalogs call themselves %q", name)
		}
		names[name] = true
	}
}

// Every {{t "key" ...}} in the page templates names a key of every catalog,
// and the key is always a literal, so this check sees them all.
func TestTemplateKeysExist(t *testing.T) {
	b := shippedBundle(t)
	keys := templateKeys(t, templates.Pages())
	if len(keys) == 0 {
		t.Fatal("found no t calls in the templates; is the scan broken?")
	}
	for key, file := range keys {
		for _, lang := range b.Supported() {
			if _, ok := b.Message(lang, key); !ok {
				t.Errorf("%s uses %q, missing from %s.json", file, key, lang)
			}
		}
	}
}

// templateKeys parses every *.html in fsys and returns each literal key
// passed to the t function, with the file that uses it.
func templateKeys(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		tree := parse.New(name)
		tree.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		if _, err := tree.Parse(string(src), "", "", trees); err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, tr := range trees {
			walkNode(tr.Root, func(cmd *parse.CommandNode) {
				collectKey(t, name, cmd, keys)
			})
		}
	}
	return keys
}

func collectKey(t *testing.T, file string, cmd *parse.CommandNode, keys map[string]string) {
	t.Helper()
	if len(cmd.Args) == 0 {
		return
	}
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); !ok || id.Ident != "t" {
		return
	}
	if len(cmd.Args) < 2 {
		t.Errorf("%s: %s: t needs a key", file, cmd)
		return
	}
	key, ok := cmd.Args[1].(*parse.StringNode)
	if !ok {
		t.Errorf("%s: %s: the key must be a string literal so tests can check it", file, cmd)
		return
	}
	keys[key.Text] = file
}

// walkNode calls fn for every command in the tree under n.
func walkNode(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkNode(c, fn)
		}
	case *parse.ActionNode:
		walkNode(n.Pipe, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkNode(c, fn)
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			walkNode(a, fn)
		}
	case *parse.IfNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.TemplateNode:
		walkNode(n.Pipe, fn)
	}
}

func walkBranch(b *parse.BranchNode, fn func(*parse.CommandNode)) {
	walkNode(b.Pipe, fn)
	walkNode(b.List, fn)
	walkNode(b.ElseList, fn)
}
