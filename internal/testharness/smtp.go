package testharness

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPSink is an in-process SMTP server on 127.0.0.1 that keeps every message
// it receives. It speaks plain SMTP (no TLS), accepts AUTH PLAIN and LOGIN
// with any credentials, and can be set down to make deliveries fail.
type SMTPSink struct {
	addr   string
	server *smtp.Server
	served chan struct{}

	down    atomic.Bool
	refused atomic.Int64

	mu       sync.Mutex
	messages []Message
}

// NewSMTPSink starts a sink on a random loopback port; it stops in t.Cleanup.
func NewSMTPSink(t testing.TB) *SMTPSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testharness: smtp listen: %v", err)
	}
	s := &SMTPSink{addr: ln.Addr().String(), served: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.server = srv
	go func() {
		defer close(s.served)
		_ = srv.Serve(&gateListener{Listener: ln, sink: s})
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		select {
		case <-s.served:
		case <-time.After(5 * time.Second):
			t.Logf("testharness: smtp sink %s did not stop within 5 s", s.addr)
		}
	})
	return s
}

// Addr is the host:port of the sink.
func (s *SMTPSink) Addr() string { return s.addr }

// URL is smtp://127.0.0.1:PORT?insecure=1, the form the mail config takes.
func (s *SMTPSink) URL() string { return "smtp://" + s.addr + "?insecure=1" }

// SetDown makes the sink refuse mail: new connections get a 421 greeting and
// are closed, and sessions already open get 451 on MAIL and RCPT.
func (s *SMTPSink) SetDown(down bool) { s.down.Store(down) }

// Refused is how many connections and commands the sink refused while down.
func (s *SMTPSink) Refused() int { return int(s.refused.Load()) }

// Reset forgets the messages received so far.
func (s *SMTPSink) Reset() {
	s.mu.Lock()
	s.messages = nil
	s.mu.Unlock()
}

// Messages returns the messages received so far, oldest first.
func (s *SMTPSink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitForMessage polls until a received message matches (nil matches any) and
// returns the first one that does. On timeout it fails the test with a list of
// what was received.
func (s *SMTPSink) WaitForMessage(t testing.TB, match func(Message) bool, timeout time.Duration) Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		for _, m := range msgs {
			if match == nil || match(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, m := range msgs {
				fmt.Fprintf(&b, "\n  - %s -> %s: %q", m.From, strings.Join(m.To, ", "), m.Subject)
				if m.ParseErr != nil {
					fmt.Fprintf(&b, " (parse error: %v)", m.ParseErr)
				}
			}
			t.Fatalf("testharness: no matching mail within %s; the sink received %d message(s):%s",
				timeout, len(msgs), b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SentTo matches messages with addr among the envelope recipients
// (case-insensitive), for WaitForMessage.
func SentTo(addr string) func(Message) bool {
	return func(m Message) bool {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				return true
			}
		}
		return false
	}
}

func (s *SMTPSink) add(m Message) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
}

var errSinkDown = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message:      "test sink is down, try again later",
}

// gateListener answers 421 and hangs up while the sink is down.
type gateListener struct {
	net.Listener
	sink *SMTPSink
}

func (l *gateListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.sink.down.Load() {
			return c, err
		}
		l.sink.refused.Add(1)
		_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, _ = io.WriteString(c, "421 4.3.2 localhost test sink is down, closing connection\r\n")
		_ = c.Close()
	}
}

// sinkSession records one SMTP transaction at a time.
type sinkSession struct {
	sink *SMTPSink
	user string
	from string
	to   []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, _ string) error {
			ss.user = username
			return nil
		}), nil
	case sasl.Login:
		return &loginServer{done: func(username string) { ss.user = username }}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.down.Load() {
		ss.sink.refused.Add(1)
		return errSinkDown
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.sink.down.Load() {
		ss.sink.refused.Add(1)
		return errSinkDown
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := parseMessage(data)
	m.From, m.To, m.AuthUser, m.Received = ss.from, append([]string(nil), ss.to...), ss.user, time.Now()
	ss.sink.add(m)
	return nil
}

func (ss *sinkSession) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *sinkSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the client):
// it asks for a username and a password and accepts any.
type loginServer struct {
	step     int
	username string
	done     func(username string)
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil { // no initial response
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	default:
		l.done(l.username)
		return nil, true, nil
	}
}
