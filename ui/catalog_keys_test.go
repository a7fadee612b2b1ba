package ui

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

// The keys the Go code builds exist in every catalog, not only in English
// (New checks English; a missing translation would fall back silently).
func TestGoMessageKeysInEveryCatalog(t *testing.T) {
	b, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range b.Supported() {
		for _, key := range goMessageKeys() {
			if _, ok := b.Message(lang, key); !ok {
				t.Errorf("%s.json lacks %q", lang, key)
			}
		}
	}
}
