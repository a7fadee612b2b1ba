package account

import (
	"errors"
	"strings"
	"testing"
)

// Every field's rules, each wrong value named with its reason.
func TestCheckRegistration(t *testing.T) {
	all := RegistrationSettings{Mode: ModeOpen, Fields: fields(t, "login", "email", "password", "password_confirm",
		"given_name", "family_name", "company?", "country", "accept_terms", "locale")}
	valid := RegistrationInput{Login: "ada", Email: "ada@example.com", Password: "long enough", PasswordConfirm: "long enough",
		GivenName: "Ada", FamilyName: "Lovelace", Country: "gb", AcceptTerms: true, Locale: "ru"}
	if err := CheckRegistration(all, valid, []string{"en", "ru"}); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(*RegistrationInput)
		field  string
		reason error
	}{
		{"login missing", func(in *RegistrationInput) { in.Login = "  " }, FieldLogin, ErrRequired},
		{"login syntax", func(in *RegistrationInput) { in.Login = "ada lovelace" }, FieldLogin, ErrSyntax},
		{"login short", func(in *RegistrationInput) { in.Login = "ad" }, FieldLogin, ErrTooShort},
		{"email missing", func(in *RegistrationInput) { in.Email = "" }, FieldEmail, ErrRequired},
		{"email syntax", func(in *RegistrationInput) { in.Email = "ada at example" }, FieldEmail, ErrSyntax},
		{"email display name", func(in *RegistrationInput) { in.Email = "Ada <ada@example.com>" }, FieldEmail, ErrSyntax},
		{"email CRLF", func(in *RegistrationInput) { in.Email = "ada@example.com\r\nBcc: x@example.com" }, FieldEmail, ErrSyntax},
		{"email trailing LF", func(in *RegistrationInput) { in.Email = "ada@example.com\n" }, FieldEmail, ErrSyntax},
		{"email long", func(in *RegistrationInput) { in.Email = strings.Repeat("a", 250) + "@example.com" }, FieldEmail, ErrTooLong},
		{"password short", func(in *RegistrationInput) { in.Password, in.PasswordConfirm = "seven77", "seven77" }, FieldPassword, ErrTooShort},
		{"password long", func(in *RegistrationInput) {
			in.Password = strings.Repeat("p", 129)
			in.PasswordConfirm = in.Password
		}, FieldPassword, ErrTooLong},
		{"confirm differs", func(in *RegistrationInput) { in.PasswordConfirm = "long enougH" }, FieldPasswordConfirm, ErrMismatch},
		{"confirm missing", func(in *RegistrationInput) { in.PasswordConfirm = "" }, FieldPasswordConfirm, ErrRequired},
		{"given name LF", func(in *RegistrationInput) { in.GivenName = "Ada\nBcc: x" }, FieldGivenName, ErrSyntax},
		{"family name long", func(in *RegistrationInput) { in.FamilyName = strings.Repeat("я", 101) }, FieldFamilyName, ErrTooLong},
		{"family name missing", func(in *RegistrationInput) { in.FamilyName = "" }, FieldFamilyName, ErrRequired},
		{"company CR", func(in *RegistrationInput) { in.Company = "Acme\rInc" }, FieldCompany, ErrSyntax},
		{"country unknown", func(in *RegistrationInput) { in.Country = "XX" }, FieldCountry, ErrNotAllowed},
		{"country name", func(in *RegistrationInput) { in.Country = "Germany" }, FieldCountry, ErrNotAllowed},
		{"terms unchecked", func(in *RegistrationInput) { in.AcceptTerms = false }, FieldAcceptTerms, ErrRequired},
		{"locale unsupported", func(in *RegistrationInput) { in.Locale = "de" }, FieldLocale, ErrNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			err := CheckRegistration(all, in, []string{"en", "ru"})
			if !errors.Is(err, ErrInvalid) || !errors.Is(fieldReason(err, tc.field), tc.reason) {
				t.Fatalf("CheckRegistration = %v, want %s: %v", err, tc.field, tc.reason)
			}
			if re, _ := errors.AsType[*RegistrationError](err); len(re.Fields) != 1 {
				t.Fatalf("errors for other fields too: %v", err)
			}
		})
	}
}

// Optional fields may be empty but are checked when filled; fields the
// form lacks are ignored.
func TestCheckRegistrationOptionalAndAbsent(t *testing.T) {
	rs := RegistrationSettings{Mode: ModeOpen, Fields: fields(t, "email", "company?", "country?", "accept_terms?")}
	in := RegistrationInput{Email: "a@example.com", Login: "!!", Password: "x"}
	if err := CheckRegistration(rs, in, nil); err != nil {
		t.Fatalf("optional and absent fields refused: %v", err)
	}
	in.Country = "ZZ"
	if err := CheckRegistration(rs, in, nil); !errors.Is(fieldReason(err, FieldCountry), ErrNotAllowed) {
		t.Fatalf("a filled optional field is not checked: %v", err)
	}
}

// The country list is ISO 3166-1 alpha-2, named in the reader's language.
func TestCountries(t *testing.T) {
	codes := CountryCodes()
	if len(codes) != 249 {
		t.Fatalf("%d country codes, want 249", len(codes))
	}
	for _, lang := range []string{"en", "ru"} {
		list := Countries(lang)
		if len(list) != 249 {
			t.Fatalf("%s: %d countries", lang, len(list))
		}
		for _, c := range list {
			if c.Name == c.Code || c.Name == "" {
				t.Errorf("%s: %s has no name", lang, c.Code)
			}
		}
	}
	ru := Countries("ru")
	if ru[0].Name != "Австралия" {
		t.Errorf("first Russian entry %q, want Австралия (Cyrillic order)", ru[0].Name)
	}
	for code, want := range map[string]bool{"DE": true, "GB": true, "de": false, "UK": false, "EU": false, "XK": false} {
		if ValidCountry(code) != want {
			t.Errorf("ValidCountry(%q) = %v", code, !want)
		}
	}
}
