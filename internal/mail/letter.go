package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/storage"
)

// ErrInvalidLetter is returned (wrapped) by Enqueue for a letter that must
// not be sent: an unknown template, a recipient that is not one address or
// contains a line break, a subject with a line break, missing required
// data, or a link that does not start with the issuer.
var ErrInvalidLetter = errors.New("mail: invalid letter")

// Letter is what a flow asks to send.
type Letter struct {
	// To is the recipient's address, from the account (never from a
	// request parameter).
	To string
	// Locale is the recipient's language tag; unsupported or empty tags
	// fall back to English.
	Locale string
	// Template is one of Templates().
	Template string
	// Data fills the letter: Link (built with Mailer.Link), Name, Login,
	// Reason, as each template documents. Every key ending in "Link" must
	// hold a URL under the issuer.
	Data map[string]any
}

// Enqueue renders l in the recipient's language and stores it in outbox.
// Pass the outbox of the transaction that makes the change the letter
// reports (tx.Outbox()), so both commit or neither does; call Kick after
// the commit. A letter that fails validation gives ErrInvalidLetter and
// stores nothing.
func (m *Mailer) Enqueue(ctx context.Context, outbox storage.OutboxStore, l Letter) error {
	msg, err := m.renderBranded(ctx, l)
	if err != nil {
		return err
	}
	if err := outbox.Enqueue(ctx, &msg); err != nil {
		return fmt.Errorf("mail: store %s letter: %w", l.Template, err)
	}
	return nil
}

// renderBranded renders l with the branding in force; when it cannot be
// read the letter goes out with the configured name (logged).
func (m *Mailer) renderBranded(ctx context.Context, l Letter) (storage.OutboxMessage, error) {
	b := Brand{Name: m.instance}
	if m.brand != nil {
		got, err := m.brand(ctx)
		if err != nil {
			m.log.WarnContext(ctx, "read branding for a letter", "error", err)
		} else {
			b = got
		}
	}
	return m.render(l, b)
}

// render validates l and builds its outbox row.
func (m *Mailer) render(l Letter, b Brand) (storage.OutboxMessage, error) {
	to, err := checkRecipient(l.To)
	if err != nil {
		return storage.OutboxMessage{}, err
	}
	if err := m.checkData(l); err != nil {
		return storage.OutboxMessage{}, err
	}
	lang := m.language(l.Locale)
	v := m.brandedView(lang, l.Data, b)
	letters, err := m.lettersFor(v.Color)
	if err != nil {
		return storage.OutboxMessage{}, err
	}
	r, err := letters.render(lang, l.Template, v)
	if err != nil {
		return storage.OutboxMessage{}, fmt.Errorf("mail: %w", err)
	}
	if hasLineBreak(r.Subject) {
		return storage.OutboxMessage{}, fmt.Errorf("%w: the subject of %s contains a line break", ErrInvalidLetter, l.Template)
	}
	return storage.OutboxMessage{
		To: to, Subject: r.Subject, TextBody: r.Text, HTMLBody: r.HTML, Kind: l.Template,
	}, nil
}

// checkRecipient accepts one address without line breaks and returns its
// bare form (a display name, if any, is dropped).
func checkRecipient(to string) (string, error) {
	if hasLineBreak(to) {
		return "", fmt.Errorf("%w: the recipient contains a line break", ErrInvalidLetter)
	}
	addr, err := mail.ParseAddress(to)
	if err != nil {
		return "", fmt.Errorf("%w: recipient: %w", ErrInvalidLetter, err)
	}
	return addr.Address, nil
}

// checkData refuses unknown templates, missing required data and links
// that do not start with the issuer (SECURITY 15).
func (m *Mailer) checkData(l Letter) error {
	if _, ok := m.letters[i18n.Default][l.Template]; !ok {
		return fmt.Errorf("%w: unknown template %q", ErrInvalidLetter, l.Template)
	}
	for _, key := range requiredData[l.Template] {
		if s, ok := l.Data[key].(string); !ok || s == "" {
			return fmt.Errorf("%w: %s needs Data[%q]", ErrInvalidLetter, l.Template, key)
		}
	}
	prefix := m.Issuer() + "/"
	for key, v := range l.Data {
		if !strings.HasSuffix(key, "Link") {
			continue
		}
		if s, ok := v.(string); !ok || !strings.HasPrefix(s, prefix) {
			return fmt.Errorf("%w: Data[%q] is not a link under the issuer; build it with Mailer.Link", ErrInvalidLetter, key)
		}
	}
	return nil
}

// language maps a tag to a language with letters, English by default.
func (m *Mailer) language(tag string) string {
	if lang, ok := m.bundle.Match(tag); ok {
		return lang
	}
	return i18n.Default
}

// view is the root value of a letter's templates, with the configured
// name and the built-in look.
func (m *Mailer) view(lang string, data map[string]any) letterView {
	return letterView{Lang: lang, Instance: m.instance, Issuer: m.Issuer(), Data: data, Color: defaultColor}
}

// brandedView is view with the branding b: its name (line breaks
// refused), its colour when it is #rrggbb, and its logo as an absolute URL
// under the issuer.
func (m *Mailer) brandedView(lang string, data map[string]any, b Brand) letterView {
	v := m.view(lang, data)
	if b.Name != "" && !hasLineBreak(b.Name) {
		v.Instance = b.Name
	}
	if colorPattern.MatchString(b.Color) {
		v.Color = b.Color
	}
	if b.LogoPath != "" {
		v.LogoURL = m.Link(b.LogoPath, nil)
	}
	return v
}

func hasLineBreak(s string) bool { return strings.ContainsAny(s, "\r\n") }
