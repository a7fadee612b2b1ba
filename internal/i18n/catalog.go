package i18n

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// catalog maps a message key to its message in one language.
type catalog map[string]string

// parseCatalog decodes a flat JSON object of strings. Unlike a plain
// json.Unmarshal it rejects duplicate keys (the second silently wins there),
// nested values, empty keys and empty messages: each is a translation bug.
func parseCatalog(data []byte) (catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	c := catalog{}
	for dec.More() {
		key, msg, err := readEntry(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := c[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		c[key] = msg
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the top-level object")
	}
	return c, nil
}

func readEntry(dec *json.Decoder) (key, msg string, err error) {
	tok, err := dec.Token()
	if err != nil {
		return "", "", fmt.Errorf("read key: %w", err)
	}
	key, _ = tok.(string)
	if key == "" {
		return "", "", errors.New("empty key")
	}
	tok, err = dec.Token()
	if err != nil {
		return "", "", fmt.Errorf("read %q: %w", key, err)
	}
	msg, ok := tok.(string)
	if !ok {
		return "", "", fmt.Errorf("%q: the message must be a string", key)
	}
	if msg == "" {
		return "", "", fmt.Errorf("%q: empty message", key)
	}
	return key, msg, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("read %q: %w", want, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v: a catalog is one flat object of strings", want, tok)
	}
	return nil
}
