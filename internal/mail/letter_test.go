package mail

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// Bad letters are refused with ErrInvalidLetter and nothing is stored;
// in particular no CR/LF reaches a header (SECURITY 16).
func TestEnqueueRefusesBadLetters(t *testing.T) {
	m := newTestMailer(t, Options{})
	link := m.Link("/verify", url.Values{"token": {"x"}})
	tests := []struct {
		name   string
		letter Letter
	}{
		{"CRLF in recipient", Letter{To: "anna@example.org\r\nBcc: eve@example.net", Template: AwaitingApproval}},
		{"LF in recipient", Letter{To: "anna@example.org\nBcc: eve@example.net", Template: AwaitingApproval}},
		{"CR in recipient", Letter{To: "anna@example.org\rX: y", Template: AwaitingApproval}},
		{"two recipients", Letter{To: "anna@example.org, eve@example.net", Template: AwaitingApproval}},
		{"not an address", Letter{To: "anna", Template: AwaitingApproval}},
		{"empty recipient", Letter{To: "", Template: AwaitingApproval}},
		{"unknown template", Letter{To: "anna@example.org", Template: "password_reset_v9"}},
		{"missing link", Letter{To: "anna@example.org", Template: VerifyEmail}},
		{"link is not a string", Letter{To: "anna@example.org", Template: Activate, Data: map[string]any{"Link": 42}}},
		{"link on another host", Letter{To: "anna@example.org", Template: VerifyEmail,
			Data: map[string]any{"Link": "https://evil.example.net/verify?token=x"}}},
		{"link on a look-alike host", Letter{To: "anna@example.org", Template: VerifyEmail,
			Data: map[string]any{"Link": "https://id.example.com.evil.example.net/verify"}}},
		{"link with user info", Letter{To: "anna@example.org", Template: VerifyEmail,
			Data: map[string]any{"Link": "https://id.example.com@evil.example.net/verify"}}},
		{"other link key off the issuer", Letter{To: "anna@example.org", Template: AlreadyRegistered,
			Data: map[string]any{"Link": link, "ResetLink": "http://id.example.com/reset"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &memOutbox{}
			err := m.Enqueue(context.Background(), o, tc.letter)
			if !errors.Is(err, ErrInvalidLetter) {
				t.Fatalf("Enqueue = %v, want ErrInvalidLetter", err)
			}
			if len(o.msgs) != 0 {
				t.Errorf("stored %d letters", len(o.msgs))
			}
		})
	}
}

func TestEnqueueRefusesLineBreakInSubject(t *testing.T) {
	m := newTestMailer(t, Options{})
	m.instance = "Acme\r\nBcc: eve@example.net" // New refuses this; the check behind it must hold too
	o := &memOutbox{}
	err := m.Enqueue(context.Background(), o, Letter{To: "anna@example.org", Template: AwaitingApproval})
	if !errors.Is(err, ErrInvalidLetter) || len(o.msgs) != 0 {
		t.Fatalf("Enqueue = %v with %d stored, want ErrInvalidLetter and nothing", err, len(o.msgs))
	}
	if _, err := New(Options{Issuer: testIssuer, InstanceName: "Acme\nID"}); err == nil {
		t.Error("New accepted an instance name with a line break")
	}
	if _, err := New(Options{Issuer: testIssuer, From: "a@example.com\r\nBcc: eve@example.net"}); err == nil {
		t.Error("New accepted a From with a line break")
	}
}

func TestEnqueueStoresBareRecipientAndKind(t *testing.T) {
	m := newTestMailer(t, Options{})
	o := &memOutbox{}
	id := enqueue(t, m, o, Letter{To: "Anna Smith <Anna@Example.org>", Template: AccountActive})
	msg := o.get(id)
	if msg.To != "Anna@Example.org" || msg.Kind != AccountActive {
		t.Errorf("To %q, Kind %q", msg.To, msg.Kind)
	}
	if !msg.SentAt.IsZero() || msg.Attempts != 0 {
		t.Errorf("a new letter is already sent or tried: %+v", msg)
	}
}

func TestEnqueuePassesStoreErrors(t *testing.T) {
	m := newTestMailer(t, Options{})
	o := &failingOutbox{memOutbox: &memOutbox{}}
	err := m.Enqueue(context.Background(), o, Letter{To: "a@example.org", Template: AccountActive})
	if !errors.Is(err, errStoreDown) || !strings.Contains(err.Error(), AccountActive) {
		t.Errorf("Enqueue = %v, want the store's error wrapped", err)
	}
}

var errStoreDown = errors.New("store down")

type failingOutbox struct{ *memOutbox }

func (failingOutbox) Enqueue(context.Context, *storage.OutboxMessage) error { return errStoreDown }
