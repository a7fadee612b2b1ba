package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// tlsServer is a go-smtp server with a certificate for 127.0.0.1 from its
// own CA; it allows AUTH only over TLS and records what it received.
type tlsServer struct {
	addr string
	ca   *x509.CertPool

	mu       sync.Mutex
	received []tlsDelivery
}

type tlsDelivery struct {
	user, to string
	tls      bool
}

// newTLSServer listens on loopback, with implicit TLS or offering
// STARTTLS.
func newTLSServer(t *testing.T, implicit bool) *tlsServer {
	t.Helper()
	cert, pool := testCertificate(t)
	s := &tlsServer{ca: pool}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &tlsSession{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	if implicit {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *tlsServer) deliveries() []tlsDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tlsDelivery(nil), s.received...)
}

type tlsSession struct {
	server *tlsServer
	conn   *smtp.Conn
	user   string
	to     string
}

func (ss *tlsSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *tlsSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if pass != "s3cret" {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *tlsSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *tlsSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = to
	return nil
}
func (ss *tlsSession) Reset()        {}
func (ss *tlsSession) Logout() error { return nil }

func (ss *tlsSession) Data(r io.Reader) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.server.mu.Lock()
	ss.server.received = append(ss.server.received, tlsDelivery{user: ss.user, to: ss.to, tls: isTLS})
	ss.server.mu.Unlock()
	return nil
}

// testCertificate is a self-signed certificate for 127.0.0.1 and the pool
// that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatehouse test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// smtps:// and smtp:// with STARTTLS deliver over TLS, authenticated,
// after verifying the server's certificate.
func TestDeliveryOverTLS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		implicit bool
		scheme   string
	}{
		{"implicit TLS", true, "smtps"},
		{"STARTTLS", false, "smtp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTLSServer(t, tc.implicit)
			m := newTestMailer(t, Options{SMTPURL: tc.scheme + "://mailer:s3cret@" + srv.addr})
			m.smtp.cfg.rootCAs = srv.ca
			o := &memOutbox{}
			id := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
			runWorker(t, m, o)
			waitFor(t, "the letter to be sent", 10*time.Second, func() bool { return !o.get(id).SentAt.IsZero() })
			got := srv.deliveries()
			if len(got) != 1 || !got[0].tls || got[0].user != "mailer" || got[0].to != "anna@example.org" {
				t.Errorf("deliveries %+v, want one over TLS from mailer", got)
			}
		})
	}
}

// A certificate the client does not trust fails the attempt: STARTTLS
// never falls back to plain text once offered.
func TestDeliveryRefusesUntrustedCertificate(t *testing.T) {
	srv := newTLSServer(t, false)
	m := newTestMailer(t, Options{SMTPURL: "smtp://mailer:s3cret@" + srv.addr, MaxAttempts: 1})
	o := &memOutbox{}
	id := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	runWorker(t, m, o)
	waitFor(t, "the letter to be abandoned", 10*time.Second, func() bool { return !o.get(id).AbandonedAt.IsZero() })
	if n := len(srv.deliveries()); n != 0 {
		t.Errorf("%d deliveries to an untrusted server", n)
	}
	if msg := o.get(id).LastError; !strings.Contains(msg, "certificate") {
		t.Errorf("LastError %q does not mention the certificate", msg)
	}
}

// A server that greets and then stalls cannot hold a delivery past the
// send timeout: the attempt fails and is recorded.
func TestDeliveryBoundedByTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "220 stalling\r\n")
			t.Cleanup(func() { _ = c.Close() }) // never answers EHLO
		}
	}()
	m := newTestMailer(t, Options{SMTPURL: "smtp://" + ln.Addr().String() + "?insecure=1", MaxAttempts: 1})
	m.sendTimeout = 300 * time.Millisecond
	o := &memOutbox{}
	id := enqueue(t, m, o, verifyLetter(m, "anna@example.org"))
	start := time.Now()
	runWorker(t, m, o)
	waitFor(t, "the attempt to fail", 5*time.Second, func() bool { return o.get(id).Attempts == 1 })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the stalled attempt took %s", d)
	}
}
