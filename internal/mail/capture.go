package mail

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/storage"
)

// announce logs, once per Mailer, where letters go. Outside development
// mode, capturing means nobody receives them, which deserves a warning.
func (m *Mailer) announce() {
	m.announced.Do(func() {
		switch {
		case m.smtp != nil:
			m.log.Info("mail: delivering letters over SMTP", slog.String("server", m.smtp.cfg.describe()))
		case m.dev:
			m.log.Info("mail: no SMTP configured; letters are captured, logged with their links and listed at /dev/mail")
		default:
			m.log.Warn("mail: no SMTP configured; letters are NOT delivered (set GATEHOUSE_SMTP_URL)")
		}
	})
}

// capture stands in for delivery when no SMTP server is configured. In
// development mode it logs the recipient, subject and links, so a
// developer can follow a confirmation link from the log; otherwise it logs
// only that a letter was kept, since the links carry secret tokens.
func (m *Mailer) capture(ctx context.Context, msg storage.OutboxMessage) {
	if !m.dev {
		m.log.InfoContext(ctx, "mail: letter captured, not delivered (no SMTP configured)",
			slog.String("id", msg.ID), slog.String("kind", msg.Kind))
		return
	}
	m.log.InfoContext(ctx, "mail: letter captured",
		slog.String("id", msg.ID), slog.String("kind", msg.Kind),
		slog.String("to", msg.To), slog.String("subject", msg.Subject),
		slog.Any("links", linksIn(msg.TextBody)))
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// linksIn returns the http(s) URLs of a text, without trailing punctuation.
func linksIn(text string) []string {
	found := linkPattern.FindAllString(text, -1)
	links := make([]string, 0, len(found))
	for _, l := range found {
		links = append(links, strings.TrimRight(l, ".,;:!?)]}"))
	}
	return links
}
