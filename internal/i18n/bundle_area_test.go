package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadMergesAreaFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"en.json":         {Data: []byte(`{"a": "A"}`)},
		"en/mail.json":    {Data: []byte(`{"mail.subject": "Hello"}`)},
		"ru.json":         {Data: []byte(`{"a": "А"}`)},
		"ru/mail.json":    {Data: []byte(`{"mail.subject": "Привет"}`)},
		"ru/captcha.json": {Data: []byte(`{"captcha.label": "Код"}`)},
	}
	b, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T("ru", "mail.subject"); got != "Привет" {
		t.Errorf("ru mail.subject = %q", got)
	}
	if got := b.T("ru", "captcha.label"); got != "Код" {
		t.Errorf("ru captcha.label = %q", got)
	}
	if got := b.T("en", "mail.subject"); got != "Hello" {
		t.Errorf("en mail.subject = %q", got)
	}
}

func TestLoadRefusesKeysDefinedTwice(t *testing.T) {
	fsys := fstest.MapFS{
		"en.json":      {Data: []byte(`{"a": "A"}`)},
		"en/more.json": {Data: []byte(`{"a": "again"}`)},
	}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("err = %v", err)
	}
}
