package storagetest

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) settings(t *testing.T) {
	s.test(t, "GetMissing", testSettingMissing)
	s.test(t, "SetAndGet", testSettingRoundTrip)
	s.test(t, "SetReplaces", testSettingReplace)
	s.test(t, "SetIfAbsent", testSettingIfAbsent)
	s.test(t, "GetAll", testSettingGetAll)
	s.test(t, "RejectsInvalid", testSettingInvalid)
}

func testSettingMissing(t *testing.T, st storage.Store) {
	_, err := st.Settings().Get(t.Context(), "registration.mode")
	wantErr(t, err, storage.ErrNotFound)
}

func testSettingRoundTrip(t *testing.T, st storage.Store) {
	// Stored byte for byte: spacing and key order survive.
	value := json.RawMessage(`{"min_length": 8,  "rules":["b","a"], "z":1, "a":null}`)
	noErr(t, st.Settings().Set(t.Context(), "password.policy", value))
	got, err := st.Settings().Get(t.Context(), "password.policy")
	noErr(t, err)
	if got.Key != "password.policy" || string(got.Value) != string(value) {
		t.Fatalf("Get = %s %s, want %s", got.Key, got.Value, value)
	}
	wantUTCMillis(t, "UpdatedAt", got.UpdatedAt)
}

func testSettingReplace(t *testing.T, st storage.Store) {
	noErr(t, st.Settings().Set(t.Context(), "captcha", json.RawMessage(`"builtin"`)))
	noErr(t, st.Settings().Set(t.Context(), "captcha", json.RawMessage(`"turnstile"`)))
	got, err := st.Settings().Get(t.Context(), "captcha")
	noErr(t, err)
	if string(got.Value) != `"turnstile"` {
		t.Fatalf("after a second Set: %s", got.Value)
	}
}

func testSettingIfAbsent(t *testing.T, st storage.Store) {
	ok, err := st.Settings().SetIfAbsent(t.Context(), "registration.mode", json.RawMessage(`"open"`))
	noErr(t, err)
	if !ok {
		t.Fatal("SetIfAbsent on a new key reported false")
	}
	noErr(t, st.Settings().Set(t.Context(), "registration.mode", json.RawMessage(`"approval"`)))
	ok, err = st.Settings().SetIfAbsent(t.Context(), "registration.mode", json.RawMessage(`"open"`))
	noErr(t, err)
	if ok {
		t.Fatal("SetIfAbsent on an existing key reported true")
	}
	got, err := st.Settings().Get(t.Context(), "registration.mode")
	noErr(t, err)
	if string(got.Value) != `"approval"` {
		t.Fatalf("SetIfAbsent overwrote the admin's value: %s", got.Value)
	}
}

func testSettingGetAll(t *testing.T, st storage.Store) {
	all, err := st.Settings().GetAll(t.Context())
	noErr(t, err)
	if len(all) != 0 {
		t.Fatalf("empty store has settings %v", all)
	}
	for _, kv := range [][2]string{{"reset.style", `"link"`}, {"captcha", `true`}, {"password.min", `12`}} {
		noErr(t, st.Settings().Set(t.Context(), kv[0], json.RawMessage(kv[1])))
	}
	all, err = st.Settings().GetAll(t.Context())
	noErr(t, err)
	var got []string
	for _, s := range all {
		got = append(got, s.Key+"="+string(s.Value))
	}
	want := []string{"captcha=true", `password.min=12`, `reset.style="link"`}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("GetAll = %v, want %v (ordered by key)", got, want)
	}
}

func testSettingInvalid(t *testing.T, st storage.Store) {
	wantErr(t, st.Settings().Set(t.Context(), "x", json.RawMessage(`{not json`)), storage.ErrInvalid)
	wantErr(t, st.Settings().Set(t.Context(), "x", nil), storage.ErrInvalid)
	wantErr(t, st.Settings().Set(t.Context(), "", json.RawMessage(`1`)), storage.ErrInvalid)
	_, err := st.Settings().SetIfAbsent(t.Context(), "x", json.RawMessage(`'single'`))
	wantErr(t, err, storage.ErrInvalid)
	_, err = st.Settings().Get(t.Context(), "x")
	wantErr(t, err, storage.ErrNotFound)
}
