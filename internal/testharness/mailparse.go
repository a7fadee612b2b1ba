package testharness

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
)

// Message is one mail received by an SMTPSink.
type Message struct {
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO)
	AuthUser string   // user name given with AUTH, if any
	Received time.Time
	Data     []byte // the message as received

	Header   mail.Header // top-level header; nil when unparsable
	Subject  string      // decoded (RFC 2047)
	TextBody string      // first text/plain part, transfer-decoded
	HTMLBody string      // first text/html part, transfer-decoded
	ParseErr error       // why Header or the bodies may be incomplete
}

var (
	linkRE = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `]+`)
	hrefRE = regexp.MustCompile(`(?i)href\s*=\s*["']([^"']+)["']`)
)

// Links returns the http(s) URLs of the text part, in order. Without a text
// part it returns the http(s) hrefs of the HTML part.
func (m Message) Links() []string {
	var links []string
	if m.TextBody != "" {
		for _, l := range linkRE.FindAllString(m.TextBody, -1) {
			links = append(links, strings.TrimRight(l, ".,;:!?)]}>"))
		}
		return links
	}
	for _, sub := range hrefRE.FindAllStringSubmatch(m.HTMLBody, -1) {
		l := html.UnescapeString(sub[1])
		if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			links = append(links, l)
		}
	}
	return links
}

// parseMessage fills the parsed fields of a Message from raw data. Errors go
// to ParseErr; what was parsed before the error stays.
func parseMessage(data []byte) Message {
	m := Message{Data: data}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		m.ParseErr = err
		return m
	}
	m.Header = msg.Header
	m.Subject = msg.Header.Get("Subject")
	if s, err := new(mime.WordDecoder).DecodeHeader(m.Subject); err == nil {
		m.Subject = s
	}
	m.ParseErr = m.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return m
}

// walk visits a MIME entity and keeps the first text/plain and text/html
// leaves that are not attachments.
func (m *Message) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > 10 {
		return errors.New("MIME nesting deeper than 10")
	}
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mediatype, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("content-type %q: %w", ctype, err)
	}
	if strings.HasPrefix(mediatype, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart() // raw: we decode transfer encodings ourselves
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediatype, err)
			}
			if err := m.walk(part.Header, part, depth+1); err != nil {
				return err
			}
		}
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return nil
	}
	if mediatype != "text/plain" && mediatype != "text/html" {
		return nil
	}
	raw, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("%s body: %w", mediatype, err)
	}
	text := decodeCharset(params["charset"], raw)
	if mediatype == "text/plain" && m.TextBody == "" {
		m.TextBody = text
	}
	if mediatype == "text/html" && m.HTMLBody == "" {
		m.HTMLBody = text
	}
	return nil
}

func transferDecoder(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // ignores \r and \n
	default: // 7bit, 8bit, binary
		return r
	}
}

// decodeCharset handles UTF-8 and its subsets, and Latin-1; other charsets are
// returned as they are.
func decodeCharset(charset string, b []byte) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "windows-1252":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	default:
		return string(b)
	}
}
