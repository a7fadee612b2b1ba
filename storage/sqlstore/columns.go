package sqlstore

import (
	"encoding/json"
	"fmt"
)

// Column encodings shared by the stores.

// encodeList stores a list of strings as a JSON array ("[]" for none).
func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// encodeLists encodes several lists at once, in order.
func encodeLists(lists ...[]string) ([]string, error) {
	out := make([]string, len(lists))
	for i, l := range lists {
		s, err := encodeList(l)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// decodeList reads a JSON array of strings; an empty one is nil.
func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}

// listDecoder decodes several lists, keeping the first error.
type listDecoder struct{ err error }

func (d *listDecoder) list(s string) []string {
	if d.err != nil {
		return nil
	}
	l, err := decodeList(s)
	d.err = err
	return l
}

// nullString stores "" as NULL, for optional references: foreign keys
// accept NULL, and "" then never matches a lookup.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// bytesOrNil returns b, or nil when it is empty, so that values read back
// compare equal to what was stored whatever the driver returns for NULL.
func bytesOrNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
