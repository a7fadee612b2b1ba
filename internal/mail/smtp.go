package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gatehouse/gatehouse/storage"
)

// smtpConfig is a parsed GATEHOUSE_SMTP_URL.
type smtpConfig struct {
	host        string
	port        int
	implicitTLS bool // smtps://
	plain       bool // ?insecure=1: no TLS at all, loopback only
	user, pass  string
	rootCAs     *x509.CertPool // nil: the system's; tests trust their own CA
}

// parseSMTPURL reads smtp://[user:pass@]host[:port][?insecure=1] (port 587,
// STARTTLS when the server offers it) or smtps://[user:pass@]host[:port]
// (port 465, implicit TLS). insecure=1 turns TLS off and is accepted only
// for loopback hosts. Errors never contain the password.
func parseSMTPURL(raw string) (smtpConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return smtpConfig{}, errors.New("SMTP URL does not parse")
	}
	c := smtpConfig{host: u.Hostname(), implicitTLS: u.Scheme == "smtps"}
	if (u.Scheme != "smtp" && u.Scheme != "smtps") || c.host == "" || u.Opaque != "" {
		return smtpConfig{}, fmt.Errorf("SMTP URL %s: want smtp://host:port or smtps://host:port", u.Redacted())
	}
	if c.port, err = smtpPort(u); err != nil {
		return smtpConfig{}, err
	}
	if c.plain, err = insecureFlag(u); err != nil {
		return smtpConfig{}, err
	}
	if c.plain && (c.implicitTLS || !isLoopback(c.host)) {
		return smtpConfig{}, fmt.Errorf("SMTP URL %s: insecure=1 (plain SMTP) is allowed only with smtp:// to a loopback host", u.Redacted())
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
	}
	return c, nil
}

func smtpPort(u *url.URL) (int, error) {
	if u.Port() == "" {
		if u.Scheme == "smtps" {
			return gomail.DefaultPortSSL, nil
		}
		return gomail.DefaultPortTLS, nil
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("SMTP URL %s: bad port", u.Redacted())
	}
	return port, nil
}

func insecureFlag(u *url.URL) (bool, error) {
	q := u.Query()
	for key := range q {
		if key != "insecure" {
			return false, fmt.Errorf("SMTP URL %s: unknown parameter %q", u.Redacted(), key)
		}
	}
	switch q.Get("insecure") {
	case "":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("SMTP URL %s: insecure must be 1", u.Redacted())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// options are the go-mail client options for one delivery bounded by
// ctx: the port, TLS mode, a timeout and, with a user name, AUTH PLAIN or
// LOGIN. Over plain SMTP (loopback only) go-mail is told that the channel
// is acceptable; otherwise it refuses to authenticate without TLS.
func (c smtpConfig) options(ctx context.Context) []gomail.Option {
	timeout := sendTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(deadline), time.Millisecond)
	}
	opts := []gomail.Option{gomail.WithPort(c.port), gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(c.tlsConfig()), gomail.WithDialContextFunc(c.dialer(ctx))}
	switch {
	case c.implicitTLS:
		opts = append(opts, gomail.WithSSL())
	case c.plain:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if c.user == "" {
		return opts
	}
	mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
	if c.plain {
		mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
	}
	return append(opts, gomail.WithOpportunisticSMTPAuth(mechs...),
		gomail.WithUsername(c.user), gomail.WithPassword(c.pass))
}

// dialer connects (with TLS for smtps) and closes the connection when
// delivery ends, so ctx bounds the whole SMTP session: go-mail's own
// timeout applies per phase and would let a slow server hold a letter past
// its lease. (A custom dialer replaces go-mail's, including its TLS dial.)
func (c smtpConfig) dialer(delivery context.Context) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		var conn net.Conn
		var err error
		if c.implicitTLS {
			td := tls.Dialer{NetDialer: &d, Config: c.tlsConfig()}
			conn, err = td.DialContext(ctx, network, addr)
		} else {
			conn, err = d.DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(delivery, func() { _ = conn.Close() })
		return conn, nil
	}
}

// tlsConfig verifies the server's certificate for host, TLS 1.2 or later.
func (c smtpConfig) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: c.host, MinVersion: tls.VersionTLS12, RootCAs: c.rootCAs}
}

// describe is the server for logs: host, port and TLS mode, no credentials.
func (c smtpConfig) describe() string {
	mode := "STARTTLS when offered"
	switch {
	case c.implicitTLS:
		mode = "implicit TLS"
	case c.plain:
		mode = "plain, no TLS"
	}
	return fmt.Sprintf("%s:%d (%s)", c.host, c.port, mode)
}

// smtpTransport sends outbox rows with go-mail, one connection per letter.
type smtpTransport struct {
	cfg       smtpConfig
	from      string
	messageID string // the right-hand side of Message-ID
}

func newSMTPTransport(raw, from, issuerHost string) (*smtpTransport, error) {
	cfg, err := parseSMTPURL(raw)
	if err != nil {
		return nil, err
	}
	if _, err := gomail.NewClient(cfg.host, cfg.options(context.Background())...); err != nil {
		return nil, fmt.Errorf("SMTP client: %w", err)
	}
	host := issuerHost
	if strings.Contains(host, ":") || host == "" {
		host = "localhost"
	}
	return &smtpTransport{cfg: cfg, from: from, messageID: host}, nil
}

// deliver sends msg within ctx. A fresh client per letter keeps no state
// between deliveries (go-mail clients remember negotiated auth) and binds
// the connection to ctx.
func (t *smtpTransport) deliver(ctx context.Context, msg storage.OutboxMessage) error {
	gm, err := t.message(msg)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(t.cfg.host, t.cfg.options(ctx)...)
	if err != nil {
		return fmt.Errorf("SMTP client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, gm); err != nil {
		return fmt.Errorf("SMTP %s: %w", t.cfg.describe(), err)
	}
	return nil
}

// message builds the MIME message: multipart/alternative with the text and
// HTML parts, quoted-printable UTF-8, a Message-ID derived from the outbox
// id (so a letter sent twice after a lost acknowledgement is recognisable)
// and Auto-Submitted (RFC 3834), so auto-responders stay quiet.
func (t *smtpTransport) message(msg storage.OutboxMessage) (*gomail.Msg, error) {
	if hasLineBreak(msg.To) || hasLineBreak(msg.Subject) {
		return nil, permanent(errors.New("line break in To or Subject"))
	}
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := gm.From(t.from); err != nil {
		return nil, permanent(fmt.Errorf("From: %w", err))
	}
	if err := gm.To(msg.To); err != nil {
		return nil, permanent(fmt.Errorf("To: %w", err))
	}
	gm.Subject(msg.Subject)
	gm.SetDate()
	gm.SetMessageIDWithValue("outbox." + msg.ID + "@" + t.messageID)
	gm.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	gm.SetBodyString(gomail.TypeTextPlain, msg.TextBody)
	if msg.HTMLBody != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTMLBody)
	}
	return gm, nil
}

// errPermanent marks a letter that no retry can deliver.
var errPermanent = errors.New("cannot be delivered")

func permanent(err error) error { return fmt.Errorf("%w: %w", errPermanent, err) }
