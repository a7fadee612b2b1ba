package ui

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// DevMailbox is what the development mailbox reads; storage.OutboxStore
// (store.Outbox()) satisfies it.
type DevMailbox interface {
	List(ctx context.Context, cursor string, limit int) (storage.Page[storage.OutboxMessage], error)
	ByID(ctx context.Context, id string) (storage.OutboxMessage, error)
}

const (
	devMailPath     = "/dev/mail"
	devMailPageSize = 50
	devMailTime     = "2006-01-02 15:04:05 UTC"
)

// Letter states the mailbox shows; the pages translate them.
const (
	devMailSent      = "sent"
	devMailPending   = "pending"
	devMailRetrying  = "retrying"
	devMailAbandoned = "abandoned"
)

// devMailbox serves /dev/mail.
type devMailbox struct {
	u       *UI
	mailbox DevMailbox
	issuer  string
}

// RegisterDevMail adds the development mailbox: GET /dev/mail (the
// outbox, newest first) and GET /dev/mail/:id (one letter, its text part
// with clickable links under issuer and its HTML source). Letters carry
// live tokens, so the routes exist only when the UI is in development
// mode (Options.Dev), and answer only loopback clients; otherwise nothing
// is registered and an error is logged.
func (u *UI) RegisterDevMail(r gin.IRouter, mailbox DevMailbox, issuer string) {
	if !u.dev {
		u.log.Error("ui: the development mailbox is only served in development mode; /dev/mail not registered")
		return
	}
	d := &devMailbox{u: u, mailbox: mailbox, issuer: strings.TrimRight(issuer, "/")}
	r.GET(devMailPath, d.loopbackOnly, d.list)
	r.GET(devMailPath+"/:id", d.loopbackOnly, d.show)
}

// loopbackOnly refuses (403) a request that does not come from this
// machine: the letters carry live reset links and temporary passwords.
// Both the peer and the client address (after trusted proxies) must be
// loopback, so a proxy on this machine does not open it to the network.
func (d *devMailbox) loopbackOnly(c *gin.Context) {
	if !isLoopback(c.RemoteIP()) || !isLoopback(c.ClientIP()) {
		d.u.RenderError(c, http.StatusForbidden)
	}
}

func isLoopback(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	return err == nil && addr.Unmap().IsLoopback()
}

// devMailRow is one letter in the list.
type devMailRow struct {
	Href, Subject, To, Created, Status string
	Attempts                           int
}

// devMailListData is the .Data of dev_mail.html.
type devMailListData struct {
	Letters []devMailRow
	Next    string // URL of the next page, empty on the last
}

func (d *devMailbox) list(c *gin.Context) {
	page, err := d.mailbox.List(c.Request.Context(), c.Query("cursor"), devMailPageSize)
	if err != nil {
		d.fail(c, "list outbox", err)
		return
	}
	data := devMailListData{Letters: make([]devMailRow, 0, len(page.Items))}
	for _, m := range page.Items {
		data.Letters = append(data.Letters, devMailRow{
			Href: devMailPath + "/" + url.PathEscape(m.ID), Subject: m.Subject, To: m.To,
			Created: formatDevMailTime(m.CreatedAt), Status: devMailStatus(m), Attempts: m.Attempts,
		})
	}
	if page.Next != "" {
		data.Next = devMailPath + "?" + url.Values{"cursor": {page.Next}}.Encode()
	}
	d.u.Render(c, http.StatusOK, "dev_mail", data)
}

// devMailMessageData is the .Data of dev_mail_message.html.
type devMailMessageData struct {
	Subject, To, Kind, Created, Status, LastError string
	Attempts                                      int
	Text                                          []textSegment
	HTML                                          string // source, escaped by the template
}

func (d *devMailbox) show(c *gin.Context) {
	m, err := d.mailbox.ByID(c.Request.Context(), c.Param("id"))
	if err != nil {
		d.fail(c, "read letter", err)
		return
	}
	d.u.Render(c, http.StatusOK, "dev_mail_message", devMailMessageData{
		Subject: m.Subject, To: m.To, Kind: m.Kind, Created: formatDevMailTime(m.CreatedAt),
		Status: devMailStatus(m), LastError: m.LastError, Attempts: m.Attempts,
		Text: linkify(m.TextBody, d.issuer), HTML: m.HTMLBody,
	})
}

// fail renders 404 for an unknown letter, 400 for a bad cursor, and 500
// (logged) for anything else.
func (d *devMailbox) fail(c *gin.Context, what string, err error) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		d.u.RenderError(c, http.StatusNotFound)
	case errors.Is(err, storage.ErrInvalid):
		d.u.RenderError(c, http.StatusBadRequest)
	default:
		d.u.logFailure(c, "dev mailbox: "+what, "dev_mail", err)
		d.u.RenderError(c, http.StatusInternalServerError)
	}
}

func devMailStatus(m storage.OutboxMessage) string {
	switch {
	case !m.SentAt.IsZero():
		return devMailSent
	case !m.AbandonedAt.IsZero():
		return devMailAbandoned
	case m.Attempts > 0:
		return devMailRetrying
	}
	return devMailPending
}

func formatDevMailTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(devMailTime)
}

// textSegment is a run of a letter's text; Href is set for a link.
type textSegment struct {
	Text string
	Href string
}

var devMailLink = regexp.MustCompile(`https?://[^\s<>"']+`)

// linkify splits text into plain runs and links. Only URLs under issuer
// become links; anything else stays text, so the mailbox never offers a
// click to a foreign site. The template escapes every run.
func linkify(text, issuer string) []textSegment {
	var out []textSegment
	last := 0
	for _, loc := range devMailLink.FindAllStringIndex(text, -1) {
		start, end := loc[0], loc[1]
		end = start + len(strings.TrimRight(text[start:end], ".,;:!?)]}"))
		link := text[start:end]
		if !underIssuer(link, issuer) {
			continue
		}
		if start > last {
			out = append(out, textSegment{Text: text[last:start]})
		}
		out = append(out, textSegment{Text: link, Href: link})
		last = end
	}
	if last < len(text) {
		out = append(out, textSegment{Text: text[last:]})
	}
	return out
}

func underIssuer(link, issuer string) bool {
	return issuer != "" && (link == issuer || strings.HasPrefix(link, issuer+"/") || strings.HasPrefix(link, issuer+"?"))
}
