// Package whitelist holds the domain logic of a program's email-domain
// whitelist: the normalisation of a domain typed by an admin and of the
// domain of a learner's email (so that both meet on one key), the list of
// public mail domains that may not be whitelisted, the reading of a CSV file
// of domains and the plan of an import (which lines add, update or skip a
// domain, and why). It imports neither AWS Lambda nor the AWS SDK; its errors
// are *backoffice.Error.
package whitelist

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"golang.org/x/net/idna"
)

// Domain is a whitelisted email domain in its two forms.
type Domain struct {
	// ASCII is the key every lookup and every stored key uses: lower case,
	// no trailing dot, an internationalised name in its ASCII (punycode)
	// form, e.g. "xn--bcher-kva.example" for "Bücher.example".
	ASCII string
	// Display is the domain as the admin typed it, trimmed of surrounding
	// white space and of one trailing dot, e.g. "Bücher.example".
	Display string
}

// Limits of a host name (RFC 1035 section 2.3.4), in its ASCII form.
const (
	maxDomainLen = 253
	maxLabelLen  = 63
)

// example ends the messages that tell the admin what to type instead.
const example = "give the domain only, like acme.edu"

// profile is the IDNA profile of every conversion: UTS #46 lookup mapping
// (case folding, full-width forms, the ideographic full stop), non-
// transitional (ß stays ß), STD3 rules (letters, digits and hyphens only),
// hyphen, joiner and bidi rules. The DNS lengths are checked on its result
// by checkHost, whose messages say which limit a domain is over.
var profile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(true),
	idna.ValidateLabels(true),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
	idna.BidiRule(),
)

// refusal is why an input is not a domain that may be whitelisted.
type refusal struct {
	// public is true when the input is a valid domain on the public list.
	public bool
	// reason is the message for the field "domain": a predicate ("must not
	// contain @: …") for an invalid domain, a whole sentence for a public
	// one.
	reason string
}

// err turns a refusal into the EINVALID error Normalize returns.
func (r *refusal) err() error {
	msg := "domain " + r.reason
	if r.public {
		msg = r.reason
	}
	return bo.Invalid(msg, bo.FieldError{Field: "domain", Message: r.reason})
}

// Normalize checks that input is one email domain that may be whitelisted
// and returns it in its two forms (see Domain). Surrounding white space and
// one trailing dot are dropped; letter case, full-width forms and Unicode
// (IDN) spellings are folded into the ASCII key by the IDNA (UTS #46)
// lookup rules, so "ACME.edu", "acme.edu." and "ａｃｍｅ.edu" all give
// "acme.edu", and "bücher.example" and "xn--bcher-kva.example" both give
// "xn--bcher-kva.example". Distinct names stay distinct: "evil-acme.edu",
// "acme.edu.evil.com" and "mail.acme.edu" are three keys, none of them
// "acme.edu".
//
// It returns EINVALID with a detail for the field "domain" whose message
// says why, when input is empty; has an @ (an email address rather than its
// domain), a scheme (https://, mailto:), a path, query or fragment (/, ?,
// #), a port (:), a wildcard (*), or spaces, control or invisible characters
// inside; is an IP address; is not a valid host name (labels of 1 to 63
// letters, digits and hyphens, in their ASCII form, neither starting nor
// ending with a hyphen, nor with -- as third and fourth characters unless
// xn--; at least two labels; at most 253 characters; a top-level label not
// all digits; an IDN valid under UTS #46 whose labels have only letters,
// marks, digits and hyphens, so no symbol or emoji); or is a public email
// domain (see IsPublic), whose message is "<domain> is a public email
// domain: …" (the message of the other errors is "domain " followed by the
// detail's, e.g. "domain must not contain @: give the domain only, like
// acme.edu").
//
// The key of an IDN is the one golang.org/x/net/idna computes with the
// Unicode tables it has for the Go version the code is built with; for a
// few characters whose UTS #46 mapping changed between Unicode versions
// (the capital sharp s ẞ, mapped to "ss" by Unicode 15.0 and to ß from
// 15.1) a later build may compute another key for the same typed input.
func Normalize(input string) (Domain, error) {
	d, r := normalize(input)
	if r == nil && IsPublic(d.ASCII) {
		r = &refusal{public: true, reason: publicReason(d.ASCII)}
	}
	if r != nil {
		return Domain{}, r.err()
	}
	return d, nil
}

// MatchEmailDomain returns the key (Domain.ASCII) under which the domain of
// an email address is looked up in a whitelist: its canonical form
// (backoffice.CanonicalDomain: ASCII lowered, IDNA to punycode, nothing
// folded), so that "jo@ACME.EDU" meets "acme.edu" and "jo@bücher.example"
// meets "xn--bcher-kva.example", while a look-alike written with KELVIN
// SIGN or full-width letters meets nothing. It takes the part after the @
// (such as backoffice.Email.Domain()). It returns false when that is not a
// valid domain in its canonical spelling, which matches no entry. A public
// domain is returned like any other: it matches nothing because it cannot
// be whitelisted.
func MatchEmailDomain(emailDomain string) (string, bool) {
	return bo.CanonicalDomain(emailDomain)
}

// publicReason is the reason a public domain is refused.
func publicReason(ascii string) string {
	return ascii + " is a public email domain: anyone can have an address there, " +
		"so whitelisting it would admit everyone; use your organisation's own domain"
}

// normalize is Normalize without the public-domain check.
func normalize(input string) (Domain, *refusal) {
	invalid := func(format string, args ...any) (Domain, *refusal) {
		return Domain{}, &refusal{reason: fmt.Sprintf(format, args...)}
	}
	if !utf8.ValidString(input) {
		return invalid("is not valid UTF-8 text")
	}
	s := strings.TrimSpace(input)
	if s == "" {
		return invalid("is required")
	}
	if r, ok := schemeOf(s); ok {
		return invalid("must not start with a scheme (%s): %s", r, example)
	}
	if strings.ContainsAny(s, "@＠﹫") {
		return invalid("must not contain @: %s", example)
	}
	if isIP(s) {
		return invalid("is an IP address: whitelist a domain name, like acme.edu")
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		return invalid("must not contain a path or query (%q): %s", s[i:i+1], example)
	}
	if strings.ContainsAny(s, ":：") {
		return invalid("must not contain a port (:): %s", example)
	}
	if strings.ContainsAny(s, "*＊") {
		return invalid("must not contain a wildcard (*): whitelist each domain itself, like acme.edu; " +
			"a subdomain such as mail.acme.edu is whitelisted on its own")
	}
	// One trailing dot (the DNS root) is dropped, whatever full stop it is.
	if last, size := utf8.DecodeLastRuneInString(s); isFullStop(last) {
		s = s[:len(s)-size]
		if s == "" {
			return invalid("is not a valid domain name: %s", example)
		}
	}
	for _, c := range s {
		switch {
		case unicode.IsSpace(c):
			return invalid("must not contain spaces: %s", example)
		case unicode.IsControl(c):
			return invalid("must not contain control characters (%U)", c)
		case unicode.Is(unicode.Cf, c) && c != '\u200c' && c != '\u200d':
			// Zero-width joiners are left to the IDNA joiner rules: some
			// scripts need them.
			return invalid("must not contain invisible characters (%U)", c)
		}
	}
	if r := checkLabels(s); r != nil {
		return Domain{}, r
	}
	ascii, err := profile.ToASCII(s)
	if err != nil {
		return Domain{}, idnaRefusal(s)
	}
	if r := checkHost(ascii); r != nil {
		return Domain{}, r
	}
	// What an admin types is folded once, above, into a key; the key itself
	// must be the canonical form that learners' addresses are matched in.
	if key, ok := bo.CanonicalDomain(ascii); !ok || key != ascii {
		return Domain{}, idnaRefusal(s)
	}
	if r := checkIDNRunes(ascii); r != nil {
		return Domain{}, r
	}
	return Domain{ASCII: ascii, Display: s}, nil
}

// checkIDNRunes refuses an internationalised label (xn--) whose Unicode
// form has a character other than a letter, a combining mark, a decimal
// digit, a hyphen or a zero-width joiner: symbols, emoji and punctuation
// such as the fraction slash, which UTS #46 lookup lets through but IDNA
// 2008, and so every registry, refuses.
func checkIDNRunes(ascii string) *refusal {
	if !strings.Contains(ascii, "xn--") {
		return nil
	}
	u, err := profile.ToUnicode(ascii)
	if err != nil {
		return &refusal{reason: "is not a valid domain name: it has a label that is not a valid internationalised (punycode) label"}
	}
	for _, l := range strings.Split(u, ".") {
		for _, c := range l {
			if !(unicode.IsLetter(c) || unicode.IsMark(c) || unicode.IsDigit(c) || c == '-' || c == '\u200c' || c == '\u200d') {
				return &refusal{reason: fmt.Sprintf("is not a valid domain name: the label %q has %q (%U), which is neither a letter nor a digit", l, c, c)}
			}
		}
	}
	return nil
}

// schemeOf returns the scheme s starts with ("https://", "mailto:") and
// true, or false. A name before a colon counts as a scheme when :// follows
// it, or when it has no dot and what follows the colon is not a port number
// (so "acme.edu:443" and "localhost:8080" are ports, "mailto:x" a scheme).
func schemeOf(s string) (string, bool) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return "", false
	}
	for i, c := range name {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", false
		}
	}
	if strings.HasPrefix(rest, "//") {
		return name + "://", true
	}
	if strings.Contains(name, ".") {
		return "", false
	}
	port, _, _ := strings.Cut(rest, "/")
	if port != "" && strings.Trim(port, "0123456789") == "" {
		return "", false
	}
	return name + ":", true
}

// isIP reports whether s is an IPv4 or IPv6 address, bracketed or not.
func isIP(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	_, err := netip.ParseAddr(s)
	return err == nil
}

// isFullStop reports whether c separates labels: the full stop and the
// forms UTS #46 maps to it.
func isFullStop(c rune) bool {
	return c == '.' || c == '。' || c == '．' || c == '｡'
}

// checkLabels checks the labels of s as typed (before the IDNA mapping), to
// explain the common mistakes better than the IDNA errors would. Labels
// that are not ASCII are left to the IDNA conversion.
func checkLabels(s string) *refusal {
	labels := strings.FieldsFunc(s, isFullStop)
	n := 1
	for _, c := range s {
		if isFullStop(c) {
			n++
		}
	}
	if len(labels) != n {
		return &refusal{reason: "has an empty label (two dots in a row, or a leading dot): " + example}
	}
	for _, l := range labels {
		if r := checkLabel(l); r != nil {
			return r
		}
	}
	return nil
}

// idnaRefusal explains why the IDNA conversion of s failed, naming the
// first label (as typed) that fails on its own.
func idnaRefusal(s string) *refusal {
	bad := s
	for _, l := range strings.FieldsFunc(s, isFullStop) {
		if _, err := profile.ToASCII(l); err != nil {
			bad = l
			break
		}
	}
	var why string
	switch lower := strings.ToLower(bad); {
	case strings.HasPrefix(lower, "xn--"):
		why = "is not a valid internationalised (punycode) label"
	case len(lower) >= 4 && lower[2:4] == "--":
		why = "has -- as its third and fourth characters, which only internationalised labels (xn--) may have"
	default:
		why = "has a character, or a combination of characters, that a domain name may not have"
	}
	return &refusal{reason: fmt.Sprintf("is not a valid domain name: the label %q %s", bad, why)}
}

// checkHost checks the ASCII form of a domain: a host name of at least two
// labels whose top-level label is not all digits.
func checkHost(ascii string) *refusal {
	if len(ascii) > maxDomainLen {
		return &refusal{reason: fmt.Sprintf("is longer than %d characters (in its ASCII form)", maxDomainLen)}
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" {
			return &refusal{reason: "has an empty label (two dots in a row, or a leading dot): " + example}
		}
		if r := checkLabel(l); r != nil {
			return r
		}
	}
	if len(labels) < 2 {
		return &refusal{reason: "must have at least two labels, like acme.edu"}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return &refusal{reason: fmt.Sprintf("is not a valid domain name: its last label %q is all digits", tld)}
	}
	return nil
}

// checkLabel checks one label: its ASCII characters must be letters,
// digits or hyphens, it must neither start nor end with a hyphen and, when
// it is all ASCII, be at most 63 characters. Other characters are left to
// the IDNA conversion (and the length of a label that has them to the check
// of its ASCII form).
func checkLabel(l string) *refusal {
	ascii := true
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c >= utf8.RuneSelf {
			ascii = false
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return &refusal{reason: fmt.Sprintf("must not contain %q: a domain name has only letters, digits, hyphens and dots", c)}
		}
	}
	if strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
		return &refusal{reason: fmt.Sprintf("is not a valid domain name: the label %q starts or ends with a hyphen", l)}
	}
	if ascii && len(l) > maxLabelLen {
		return &refusal{reason: fmt.Sprintf("is not a valid domain name: a label is longer than %d characters", maxLabelLen)}
	}
	return nil
}
