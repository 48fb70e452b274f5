package backoffice

import (
	"net/mail"
	"strings"
)

// Email is an email address in its two forms: Display keeps what the person
// typed (trimmed, domain lower-cased) and Key is the whole address
// lower-cased, used for every lookup and every key.
type Email struct {
	Display string
	Key     string
}

// Domain returns the lower-cased domain of the address.
func (e Email) Domain() string {
	_, domain, _ := strings.Cut(e.Key, "@")
	return domain
}

// ParseEmail trims s and checks that it is one bare address
// (local@domain, no display name, no angle brackets). It returns EINVALID
// naming the field "email" otherwise.
func ParseEmail(s string) (Email, error) {
	s = strings.TrimSpace(s)
	invalid := func(reason string) (Email, error) {
		return Email{}, Invalid("invalid email: "+reason, FieldError{Field: "email", Message: reason})
	}
	if s == "" {
		return invalid("is required")
	}
	if len(s) > 254 {
		return invalid("is longer than 254 characters")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return invalid("is not a valid email address")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return invalid("is not a valid email address")
	}
	display := local + "@" + strings.ToLower(domain)
	return Email{Display: display, Key: strings.ToLower(display)}, nil
}
