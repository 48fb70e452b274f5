package backoffice

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Email is an email address in its two forms: Display keeps what the person
// typed (with the ASCII letters of its domain in lower case) and Key is the
// canonical form (see ParseEmail), used for every lookup, every comparison
// and every key.
type Email struct {
	Display string
	Key     string
}

// Domain returns the canonical domain of the address: ASCII, lower case, an
// internationalised name in its punycode (xn--) form.
func (e Email) Domain() string {
	_, domain, _ := strings.Cut(e.Key, "@")
	return domain
}

// domainProfile converts a domain to its ASCII form without mapping
// anything: the IDNA 2008 registration profile refuses every character
// that UTS #46 would map onto another (KELVIN SIGN onto k, LONG S onto s,
// full-width letters, upper case), so two spellings that look alike never
// meet on one key. ASCII upper case is lowered before it.
var domainProfile = idna.Registration

// ParseEmail checks that s is one bare address (local@domain, no display
// name, no angle brackets) and returns it with its canonical key. The key
// is the one form every identity comparison uses: the ASCII letters A-Z of
// the whole address lowered to a-z, any other character of the local part
// kept byte for byte (no Unicode case folding or normalisation, so
// "\u212Aate" is not "kate"), and the domain converted by IDNA to its ASCII
// (punycode) form ("bücher.example" and "xn--bcher-kva.example" are one
// domain). Nothing is trimmed.
//
// It returns EINVALID naming the field "email" when s is empty, longer than
// 254 characters, has white space, control or invisible characters
// anywhere (a leading space or a trailing tab included), is not a bare
// address, or has a domain that is not a valid host name of at least two
// labels in its canonical spelling (a domain whose Unicode letters are
// upper case, full width or otherwise mapped by UTS #46 is refused, not
// folded).
func ParseEmail(s string) (Email, error) {
	invalid := func(reason string) (Email, error) {
		return Email{}, Invalid("invalid email: "+reason, FieldError{Field: "email", Message: reason})
	}
	if s == "" {
		return invalid("is required")
	}
	if !utf8.ValidString(s) {
		return invalid("is not valid UTF-8 text")
	}
	if len(s) > 254 {
		return invalid("is longer than 254 characters")
	}
	if strings.ContainsAny(s, "<>") { // a display name and an address, like "Jo <jo@acme.edu>"
		return invalid("is not a valid email address")
	}
	for _, c := range s {
		switch {
		case unicode.IsSpace(c):
			return invalid("must not contain spaces, tabs or line breaks (before, inside or after the address)")
		case unicode.IsControl(c):
			return invalid(fmt.Sprintf("must not contain control characters (%U)", c))
		case unicode.Is(unicode.Cf, c):
			return invalid(fmt.Sprintf("must not contain invisible characters (%U)", c))
		}
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return invalid("is not a valid email address")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return invalid("is not a valid email address")
	}
	domain = LowerASCII(domain)
	key, reason := canonicalDomain(domain)
	if reason != "" {
		return invalid(reason)
	}
	return Email{Display: local + "@" + domain, Key: LowerASCII(local) + "@" + key}, nil
}

// CanonicalDomain returns the canonical form of an email domain, as
// ParseEmail puts it in an address's key: ASCII letters lowered, then IDNA
// (registration profile) to ASCII, so that "Bücher.example" and
// "xn--bcher-kva.example" give "xn--bcher-kva.example" while
// "\u212Aacme.edu" (KELVIN SIGN) or "ａｃｍｅ.edu" (full width) are
// refused rather than folded onto "kacme.edu" or "acme.edu". It returns
// false when domain is not a valid host name of at least two labels in
// that spelling; no trailing dot, no surrounding space.
func CanonicalDomain(domain string) (string, bool) {
	key, reason := canonicalDomain(LowerASCII(domain))
	return key, reason == ""
}

// canonicalDomain is CanonicalDomain of a domain whose ASCII is lowered; it
// returns the reason a domain is refused, or "".
func canonicalDomain(domain string) (string, string) {
	const bad = "is not a valid email address"
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	for _, c := range domain {
		if unicode.IsSpace(c) || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) && c != '\u200c' && c != '\u200d' {
			return "", bad
		}
	}
	key, err := domainProfile.ToASCII(domain)
	if err != nil || key != LowerASCII(key) {
		return "", "has a domain that is not a valid domain name in its canonical spelling " +
			"(lower-case letters; no full-width or compatibility characters)"
	}
	return key, ""
}

// LowerASCII returns s with the ASCII letters A-Z lowered to a-z and every
// other byte unchanged. Identity comparisons use it instead of
// strings.ToLower or strings.EqualFold, whose Unicode case folding maps
// look-alikes such as KELVIN SIGN (U+212A) onto ASCII letters.
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
