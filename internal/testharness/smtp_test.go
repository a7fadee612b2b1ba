package testharness_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/smtp"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

const verifyURL = "http://127.0.0.1:8080/verify?token=" +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&lang=de"

// alternativeMail builds a multipart/alternative message: the text part in
// quoted-printable (the long URL gets soft line breaks), the HTML part in
// base64, and an RFC 2047 subject.
func alternativeMail(t *testing.T, to, subject string) []byte {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)

	tp, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		t.Fatal(err)
	}
	qp := quotedprintable.NewWriter(tp)
	fmt.Fprintf(qp, "Grüß dich!\r\n\r\nBitte bestätige deine Adresse: %s.\r\n\r\nMore: https://example.org/help\r\n", verifyURL)
	qp.Close()

	hp, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		t.Fatal(err)
	}
	html := `<p>Grüß dich!</p><p><a href="` + strings.ReplaceAll(verifyURL, "&", "&amp;") + `">Bestätigen</a></p>`
	enc := base64.StdEncoding.EncodeToString([]byte(html))
	for len(enc) > 76 {
		fmt.Fprintf(hp, "%s\r\n", enc[:76])
		enc = enc[76:]
	}
	fmt.Fprintf(hp, "%s\r\n", enc)
	mw.Close()

	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: Gatehouse <noreply@gatehouse.test>\r\n")
	fmt.Fprintf(&msg, "To: %s\r\n", to)
	fmt.Fprintf(&msg, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&msg, "MIME-Version: 1.0\r\n")
	fmt.Fprintf(&msg, "Content-Type: multipart/alternative; boundary=%s\r\n\r\n", mw.Boundary())
	msg.Write(body.Bytes())
	return msg.Bytes()
}

func TestSMTPSinkReceivesAndParsesMultipartAlternative(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	if want := "smtp://" + sink.Addr() + "?insecure=1"; sink.URL() != want {
		t.Errorf("URL() = %q, want %q", sink.URL(), want)
	}
	subject := "Bestätige deine E-Mail-Adresse"
	auth := smtp.PlainAuth("", "mailer", "secret", "127.0.0.1")
	err := smtp.SendMail(sink.Addr(), auth, "noreply@gatehouse.test", []string{"ada@example.com"},
		alternativeMail(t, "ada@example.com", subject))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	m := sink.WaitForMessage(t, testharness.SentTo("ADA@example.com"), 5*time.Second)
	if m.ParseErr != nil {
		t.Fatalf("ParseErr: %v", m.ParseErr)
	}
	if m.From != "noreply@gatehouse.test" || !reflect.DeepEqual(m.To, []string{"ada@example.com"}) {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if m.AuthUser != "mailer" {
		t.Errorf("AuthUser = %q, want mailer", m.AuthUser)
	}
	if m.Subject != subject {
		t.Errorf("Subject = %q, want %q", m.Subject, subject)
	}
	if got := m.Header.Get("From"); got != "Gatehouse <noreply@gatehouse.test>" {
		t.Errorf("From header = %q", got)
	}
	if !strings.Contains(m.TextBody, "Grüß dich!") || !strings.Contains(m.TextBody, verifyURL) {
		t.Errorf("TextBody not decoded:\n%s", m.TextBody)
	}
	if !strings.Contains(m.HTMLBody, "<p>Grüß dich!</p>") {
		t.Errorf("HTMLBody not decoded:\n%s", m.HTMLBody)
	}
	if got, want := m.Links(), []string{verifyURL, "https://example.org/help"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Links() = %q, want %q", got, want)
	}
	if len(m.Data) == 0 {
		t.Errorf("Data is empty")
	}
}

// loginAuth is the client side of AUTH LOGIN, which net/smtp lacks.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch string(fromServer) {
	case "Username:":
		return []byte(a.user), nil
	case "Password:":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected challenge %q", fromServer)
}

func TestSMTPSinkPlainTextAndAuthLogin(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	raw := "From: a@example.com\r\nTo: b@example.com, c@example.com\r\nSubject: plain\r\n\r\n" +
		"Reset: https://id.example.com/reset?t=1, or ignore.\r\n"
	err := smtp.SendMail(sink.Addr(), loginAuth{"login-user", "pw"}, "a@example.com",
		[]string{"b@example.com", "c@example.com"}, []byte(raw))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	m := sink.WaitForMessage(t, nil, 5*time.Second)
	if m.AuthUser != "login-user" {
		t.Errorf("AuthUser = %q", m.AuthUser)
	}
	if !reflect.DeepEqual(m.To, []string{"b@example.com", "c@example.com"}) {
		t.Errorf("To = %q", m.To)
	}
	if m.Subject != "plain" || m.HTMLBody != "" {
		t.Errorf("Subject = %q, HTMLBody = %q", m.Subject, m.HTMLBody)
	}
	if got := m.Links(); !reflect.DeepEqual(got, []string{"https://id.example.com/reset?t=1"}) {
		t.Errorf("Links() = %q", got)
	}
	sink.Reset()
	if n := len(sink.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}

func TestSMTPSinkDown(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	send := func() error {
		return smtp.SendMail(sink.Addr(), nil, "a@example.com", []string{"b@example.com"},
			[]byte("Subject: x\r\n\r\nbody\r\n"))
	}

	sink.SetDown(true)
	err := send()
	var perr *textproto.Error
	if !errors.As(err, &perr) || perr.Code != 421 {
		t.Errorf("send while down: %v, want a 421", err)
	}

	// A session opened before the outage gets 451 on MAIL.
	sink.SetDown(false)
	c, err := smtp.Dial(sink.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	sink.SetDown(true)
	if err := c.Mail("a@example.com"); !errors.As(err, &perr) || perr.Code != 451 {
		t.Errorf("MAIL while down: %v, want a 451", err)
	}
	if n := sink.Refused(); n != 2 {
		t.Errorf("Refused() = %d, want 2", n)
	}
	if n := len(sink.Messages()); n != 0 {
		t.Errorf("%d messages received while down", n)
	}

	sink.SetDown(false)
	if err := send(); err != nil {
		t.Fatalf("send after the outage: %v", err)
	}
	sink.WaitForMessage(t, nil, 5*time.Second)
}

// fatalRecorder catches Fatalf, to test failure messages.
type fatalRecorder struct {
	testing.TB
	msg string
}

type fatalPanic struct{}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(fatalPanic{})
}

func TestSMTPSinkWaitForMessageTimeoutListsSubjects(t *testing.T) {
	sink := testharness.NewSMTPSink(t)
	for _, s := range []string{"first", "second"} {
		if err := smtp.SendMail(sink.Addr(), nil, "a@example.com", []string{"b@example.com"},
			[]byte("Subject: "+s+"\r\n\r\nbody\r\n")); err != nil {
			t.Fatalf("SendMail: %v", err)
		}
	}
	rec := &fatalRecorder{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fatalPanic); !ok {
					panic(r)
				}
			}
		}()
		sink.WaitForMessage(rec, func(m testharness.Message) bool { return m.Subject == "third" }, 200*time.Millisecond)
	}()
	for _, want := range []string{"received 2 message(s)", `"first"`, `"second"`, "a@example.com -> b@example.com"} {
		if !strings.Contains(rec.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, rec.msg)
		}
	}
}
