package whitelist

import (
	"strings"
	"testing"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestNormalizeAccepts(t *testing.T) {
	tests := []struct {
		name, in       string
		ascii, display string
	}{
		{"plain", "acme.edu", "acme.edu", "acme.edu"},
		{"upper case", "ACME.Edu", "acme.edu", "ACME.Edu"},
		{"trailing dot", "acme.edu.", "acme.edu", "acme.edu"},
		{"surrounding spaces", " \t acme.edu \n", "acme.edu", "acme.edu"},
		{"spaces and trailing dot", "  Acme.EDU.  ", "acme.edu", "Acme.EDU"},
		{"no-break spaces around", "\u00a0acme.edu\u00a0", "acme.edu", "acme.edu"},
		{"subdomain", "mail.acme.edu", "mail.acme.edu", "mail.acme.edu"},
		{"hyphen inside", "evil-acme.edu", "evil-acme.edu", "evil-acme.edu"},
		{"longer suffix", "acme.edu.evil.com", "acme.edu.evil.com", "acme.edu.evil.com"},
		{"digits", "3m.com", "3m.com", "3m.com"},
		{"digit labels", "123.456.example", "123.456.example", "123.456.example"},
		{"country suffix", "acme.co.uk", "acme.co.uk", "acme.co.uk"},
		{"IDN", "bücher.example", "xn--bcher-kva.example", "bücher.example"},
		{"IDN upper case", "BÜCHER.example", "xn--bcher-kva.example", "BÜCHER.example"},
		{"IDN as punycode", "xn--bcher-kva.example", "xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"IDN as punycode, upper case", "XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE"},
		{"IDN, decomposed ü", "bu\u0308cher.example", "xn--bcher-kva.example", "bu\u0308cher.example"},
		{"IDN, non-transitional ß", "straße.de", "xn--strae-oqa.de", "straße.de"},
		{"IDN top-level", "例え.テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト"},
		{"IDN right to left", "مثال.إختبار", "xn--mgbh0fb.xn--kgbechtv", "مثال.إختبار"},
		{"full-width", "ａｃｍｅ．ｅｄｕ", "acme.edu", "ａｃｍｅ．ｅｄｕ"},
		{"ideographic full stop", "acme。edu", "acme.edu", "acme。edu"},
		{"ideographic trailing full stop", "acme.edu。", "acme.edu", "acme.edu"},
		{"63-character label", strings.Repeat("a", 63) + ".edu", strings.Repeat("a", 63) + ".edu", strings.Repeat("a", 63) + ".edu"},
		{"253 characters", long(253), long(253), long(253)},
		{"subdomain of a public domain", "mail.gmail.com", "mail.gmail.com", "mail.gmail.com"},
		{"public domain with a longer suffix", "gmail.com.acme.edu", "gmail.com.acme.edu", "gmail.com.acme.edu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Normalize(tt.in)
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tt.in, err)
			}
			if d.ASCII != tt.ascii || d.Display != tt.display {
				t.Fatalf("Normalize(%q) = %+v, want {ASCII:%s Display:%s}", tt.in, d, tt.ascii, tt.display)
			}
			if key, ok := MatchEmailDomain(tt.ascii); !ok || key != tt.ascii {
				t.Fatalf("MatchEmailDomain(%q) = %q, %v; want %q", tt.ascii, key, ok, tt.ascii)
			}
		})
	}
}

// long returns a valid domain of n characters (n >= 5).
func long(n int) string {
	var b strings.Builder
	for b.Len()+64 < n-4 {
		b.WriteString(strings.Repeat("a", 63) + ".")
	}
	b.WriteString(strings.Repeat("b", n-4-b.Len()))
	b.WriteString(".edu")
	return b.String()
}

func TestNormalizeRefuses(t *testing.T) {
	const publicMsg = " is a public email domain: anyone can have an address there, so whitelisting it would admit everyone; use your organisation's own domain"
	tests := []struct {
		name, in string
		reason   string // the detail's message, or the start of it when it ends with …
	}{
		{"empty", "", "is required"},
		{"blank", " \t ", "is required"},
		{"email address", "jo@acme.edu", "must not contain @: give the domain only, like acme.edu"},
		{"at sign first", "@acme.edu", "must not contain @: give the domain only, like acme.edu"},
		{"full-width at sign", "jo＠acme.edu", "must not contain @: give the domain only, like acme.edu"},
		{"https", "https://acme.edu", "must not start with a scheme (https://): give the domain only, like acme.edu"},
		{"http", "http://acme.edu/", "must not start with a scheme (http://): give the domain only, like acme.edu"},
		{"HTTPS upper case", "HTTPS://ACME.EDU", "must not start with a scheme (HTTPS://): give the domain only, like acme.edu"},
		{"mailto", "mailto:jo@acme.edu", "must not start with a scheme (mailto:): give the domain only, like acme.edu"},
		{"mailto domain", "mailto:acme.edu", "must not start with a scheme (mailto:): give the domain only, like acme.edu"},
		{"ftp", "ftp://acme.edu", "must not start with a scheme (ftp://): give the domain only, like acme.edu"},
		{"path", "acme.edu/learn", `must not contain a path or query ("/"): give the domain only, like acme.edu`},
		{"trailing slash", "acme.edu/", `must not contain a path or query ("/"): give the domain only, like acme.edu`},
		{"query", "acme.edu?x=1", `must not contain a path or query ("?"): give the domain only, like acme.edu`},
		{"fragment", "acme.edu#top", `must not contain a path or query ("#"): give the domain only, like acme.edu`},
		{"backslash", `acme.edu\x`, `must not contain a path or query ("\\"): give the domain only, like acme.edu`},
		{"port", "acme.edu:443", "must not contain a port (:): give the domain only, like acme.edu"},
		{"port without a dot", "localhost:8080", "must not contain a port (:): give the domain only, like acme.edu"},
		{"empty port", "acme.edu:", "must not contain a port (:): give the domain only, like acme.edu"},
		{"wildcard", "*.acme.edu", "must not contain a wildcard (*): …"},
		{"wildcard inside", "ac*me.edu", "must not contain a wildcard (*): …"},
		{"space inside", "acme .edu", "must not contain spaces: give the domain only, like acme.edu"},
		{"tab inside", "acme\t.edu", "must not contain spaces: give the domain only, like acme.edu"},
		{"no-break space inside", "acme\u00a0.edu", "must not contain spaces: give the domain only, like acme.edu"},
		{"space before trailing dot", "acme.edu .", "must not contain spaces: give the domain only, like acme.edu"},
		{"two domains", "acme.edu beta.edu", "must not contain spaces: give the domain only, like acme.edu"},
		{"control character", "ac\x01me.edu", "must not contain control characters (U+0001)"},
		{"DEL", "acme.edu\x7f", "must not contain control characters (U+007F)"},
		{"soft hyphen", "ac\u00adme.edu", "must not contain invisible characters (U+00AD)"},
		{"zero-width space", "ac\u200bme.edu", "must not contain invisible characters (U+200B)"},
		{"not UTF-8", "acme\xff.edu", "is not valid UTF-8 text"},
		{"one label", "acme", "must have at least two labels, like acme.edu"},
		{"one label and a dot", "acme.", "must have at least two labels, like acme.edu"},
		{"only a dot", ".", "is not a valid domain name: …"},
		{"two trailing dots", "acme.edu..", "has an empty label (two dots in a row, or a leading dot): …"},
		{"two dots", "acme..edu", "has an empty label (two dots in a row, or a leading dot): …"},
		{"leading dot", ".acme.edu", "has an empty label (two dots in a row, or a leading dot): …"},
		{"leading hyphen", "-acme.edu", `is not a valid domain name: the label "-acme" starts or ends with a hyphen`},
		{"trailing hyphen", "acme-.edu", `is not a valid domain name: the label "acme-" starts or ends with a hyphen`},
		{"top-level hyphen", "acme.-edu", `is not a valid domain name: the label "-edu" starts or ends with a hyphen`},
		{"underscore", "ac_me.edu", "must not contain '_': a domain name has only letters, digits, hyphens and dots"},
		{"comma", "acme.edu,beta.edu", "must not contain ',': a domain name has only letters, digits, hyphens and dots"},
		{"semicolon", "acme.edu;", "must not contain ';': a domain name has only letters, digits, hyphens and dots"},
		{"quote", `"acme.edu"`, `must not contain '"': a domain name has only letters, digits, hyphens and dots`},
		{"angle brackets", "<acme.edu>", "must not contain '<': a domain name has only letters, digits, hyphens and dots"},
		{"64-character label", strings.Repeat("a", 64) + ".edu", "is not a valid domain name: a label is longer than 63 characters"},
		{"64-character IDN label", strings.Repeat("ü", 60) + ".edu", "is not a valid domain name: a label is longer than 63 characters"},
		{"254 characters", long(254), "is longer than 253 characters (in its ASCII form)"},
		{"all-digit top-level label", "acme.123", `is not a valid domain name: its last label "123" is all digits`},
		{"IPv4", "192.168.1.10", "is an IP address: whitelist a domain name, like acme.edu"},
		{"IPv4 with trailing dot", "192.168.1.10.", `is not a valid domain name: its last label "10" is all digits`},
		{"IPv6", "2001:db8::1", "is an IP address: whitelist a domain name, like acme.edu"},
		{"IPv6 bracketed", "[2001:db8::1]", "is an IP address: whitelist a domain name, like acme.edu"},
		{"reserved hyphens", "ab--cd.edu", `is not a valid domain name: the label "ab--cd" has -- as its third and fourth characters, …`},
		{"bad punycode", "xn--zz.edu", `is not a valid domain name: the label "xn--zz" is not a valid internationalised (punycode) label`},
		{"punycode of ASCII", "xn--acme-.edu", `is not a valid domain name: the label "xn--acme-" starts or ends with a hyphen`},
		{"punycode of ASCII 2", "xn--acme-9ja.edu", `is not a valid domain name: the label "xn--acme-9ja" is not a valid internationalised (punycode) label`},
		{"joiner", "\u200dacme.edu", `is not a valid domain name: the label "\u200dacme" has a character, or a combination of characters, that a domain name may not have`},
		{"symbol", "‼.edu", `is not a valid domain name: the label "‼" has a character, or a combination of characters, that a domain name may not have`},
		{"snowman", "☃.edu", `is not a valid domain name: the label "☃" has '☃' (U+2603), which is neither a letter nor a digit`},
		{"snowman as punycode", "xn--n3h.edu", `is not a valid domain name: the label "☃" has '☃' (U+2603), which is neither a letter nor a digit`},
		{"emoji", "acme😀.edu", `is not a valid domain name: the label "acme😀" has '😀' (U+1F600), which is neither a letter nor a digit`},
		{"fraction slash", "acme.edu⁄x", `is not a valid domain name: the label "edu⁄x" has '⁄' (U+2044), which is neither a letter nor a digit`},
		{"full-width solidus", "acme.edu／x", `is not a valid domain name: the label "edu／x" has a character, or a combination of characters, that a domain name may not have`},
		{"gmail.com", "gmail.com", "gmail.com" + publicMsg},
		{"googlemail.com", "googlemail.com", "googlemail.com" + publicMsg},
		{"outlook.com", "outlook.com", "outlook.com" + publicMsg},
		{"hotmail.com", "hotmail.com", "hotmail.com" + publicMsg},
		{"yahoo.com", "yahoo.com", "yahoo.com" + publicMsg},
		{"icloud.com", "icloud.com", "icloud.com" + publicMsg},
		{"proton.me", "proton.me", "proton.me" + publicMsg},
		{"public, upper case and trailing dot", " GMail.COM. ", "gmail.com" + publicMsg},
		{"public, full-width", "ｇｍａｉｌ.com", "gmail.com" + publicMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Normalize(tt.in)
			if err == nil {
				t.Fatalf("Normalize(%q) = %+v, want an error", tt.in, d)
			}
			if d != (Domain{}) {
				t.Errorf("Normalize(%q) returned %+v with its error", tt.in, d)
			}
			if code := bo.ErrorCode(err); code != bo.EINVALID {
				t.Fatalf("code %q, want invalid (%v)", code, err)
			}
			details := bo.ErrorDetails(err)
			if len(details) != 1 || details[0].Field != "domain" {
				t.Fatalf("details %+v, want one for the field domain", details)
			}
			got := details[0].Message
			if prefix, ok := strings.CutSuffix(tt.reason, "…"); ok {
				if !strings.HasPrefix(got, prefix) {
					t.Fatalf("reason %q, want it to start with %q", got, prefix)
				}
			} else if got != tt.reason {
				t.Fatalf("reason %q, want %q", got, tt.reason)
			}
			// The message names the reason too.
			if msg := bo.ErrorMessage(err); !strings.Contains(msg, got) {
				t.Fatalf("message %q does not name the reason %q", msg, got)
			}
		})
	}
}

func TestNormalizePublicMessage(t *testing.T) {
	_, err := Normalize("Gmail.com")
	const want = "gmail.com is a public email domain: anyone can have an address there, so whitelisting it would admit everyone; use your organisation's own domain"
	if msg := bo.ErrorMessage(err); msg != want {
		t.Fatalf("message %q, want %q", msg, want)
	}
	_, err = Normalize("jo@acme.edu")
	if msg := bo.ErrorMessage(err); msg != "domain must not contain @: give the domain only, like acme.edu" {
		t.Fatalf("message %q", msg)
	}
}

// TestLookAlikes: matching is exact on the normalised domain, so acme.edu
// admits jo@acme.edu and jo@ACME.EDU and never the look-alikes.
func TestLookAlikes(t *testing.T) {
	acme, err := Normalize("acme.edu")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		email string
		match bool
	}{
		{"jo@acme.edu", true},
		{"jo@ACME.EDU", true},
		{"Jo.Smith@Acme.Edu", true},
		{"jo@evil-acme.edu", false},
		{"jo@acme.edu.evil.com", false},
		{"jo@mail.acme.edu", false},
		{"jo@acme.edu.com", false},
		{"jo@acme.ed", false},
		{"jo@cme.edu", false},
		{"jo@xn--acme-9ja.edu", false},
		{"jo@\u212Acme.edu", false},  // KELVIN SIGN, which Unicode folds to k
		{"jo@ac\u217Fe.edu", false},  // SMALL ROMAN NUMERAL ONE THOUSAND, folds to m
		{"jo@\uff41cme.edu", false},  // full-width a
		{"jo@acme.ed\u1D64", false},  // modifier letter, maps to u
		{"jo@acme.edu\u3002", false}, // ideographic full stop
		{"jo@acm\u0435.edu", false},  // Cyrillic e
		{" jo@acme.edu", false},      // leading space
		{"jo@acme.edu\t", false},     // trailing tab
	}
	keys := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			e, err := bo.ParseEmail(tt.email)
			if err != nil {
				if tt.match {
					t.Fatalf("ParseEmail: %v", err)
				}
				return // an address refused is admitted nowhere
			}
			key, ok := MatchEmailDomain(e.Domain())
			if (ok && key == acme.ASCII) != tt.match {
				t.Fatalf("MatchEmailDomain(%q) = %q, %v; match with %q should be %v", e.Domain(), key, ok, acme.ASCII, tt.match)
			}
			if ok && !tt.match {
				if other, seen := keys[key]; seen {
					t.Fatalf("%s and %s have the same key %q", tt.email, other, key)
				}
				keys[key] = tt.email
			}
		})
	}
	// Each look-alike, whitelisted itself, is a key of its own.
	for _, in := range []string{"evil-acme.edu", "acme.edu.evil.com", "mail.acme.edu"} {
		d, err := Normalize(in)
		if err != nil {
			t.Fatalf("Normalize(%q): %v", in, err)
		}
		if d.ASCII != in || d.ASCII == acme.ASCII {
			t.Fatalf("Normalize(%q).ASCII = %q", in, d.ASCII)
		}
	}
}

func TestMatchEmailDomain(t *testing.T) {
	tests := []struct {
		in, key string
		ok      bool
	}{
		{"acme.edu", "acme.edu", true},
		{"ACME.EDU", "acme.edu", true},
		{"bücher.example", "xn--bcher-kva.example", true},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", true},
		// Matching folds nothing: the look-alikes an admin may type into
		// Normalize are not an email's domain.
		{"BÜCHER.example", "", false},
		{"ａｃｍｅ．ｅｄｕ", "", false},
		{"\u212Aacme.edu", "", false},
		{"acme.edu.", "", false},
		{" acme.edu", "", false},
		{"gmail.com", "gmail.com", true}, // a key like any other; never whitelisted
		{"", "", false},
		{"acme", "", false},
		{"acme..edu", "", false},
		{"jo@acme.edu", "", false},
		{"[192.168.1.1]", "", false},
	}
	for _, tt := range tests {
		key, ok := MatchEmailDomain(tt.in)
		if key != tt.key || ok != tt.ok {
			t.Errorf("MatchEmailDomain(%q) = %q, %v; want %q, %v", tt.in, key, ok, tt.key, tt.ok)
		}
	}
	// An IDN email, as ParseEmail keeps it, meets the whitelisted domain.
	e, err := bo.ParseEmail("jo@Bücher.example")
	if err != nil {
		t.Fatalf("ParseEmail: %v", err)
	}
	if key, ok := MatchEmailDomain(e.Domain()); !ok || key != "xn--bcher-kva.example" {
		t.Fatalf("MatchEmailDomain(%q) = %q, %v", e.Domain(), key, ok)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"acme.edu", "ACME.EDU.", " acme.edu ", "bücher.example", "xn--bcher-kva.example", "jo@acme.edu",
		"https://acme.edu/x?y#z", "acme.edu:443", "*.acme.edu", "acme .edu", "1.2.3.4", "[::1]", "gmail.com",
		"ａｃｍｅ．ｅｄｕ", "acme。edu。", "straße.de", "مثال.إختبار", "ab--cd.edu", "xn--zz.edu", "a\u200db.edu",
		"acme..edu", ".", "", "\xff", long(253), long(254), strings.Repeat("ü", 60) + ".edu",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := Normalize(in)
		key, ok := MatchEmailDomain(in)
		if ok && err == nil && key != d.ASCII {
			t.Fatalf("MatchEmailDomain(%q) = %q; Normalize gave %q", in, key, d.ASCII)
		}
		if err != nil {
			if d != (Domain{}) {
				t.Fatalf("Normalize(%q) = %+v with error %v", in, d, err)
			}
			if bo.ErrorCode(err) != bo.EINVALID || len(bo.ErrorDetails(err)) != 1 {
				t.Fatalf("Normalize(%q): error %v", in, err)
			}
			if ok && !IsPublic(key) && !isIP(in) {
				t.Fatalf("MatchEmailDomain(%q) = %q but Normalize refused it: %v", in, key, err)
			}
			return
		}
		// The key of an accepted domain is canonical: an address at it meets it.
		if key, ok := MatchEmailDomain(d.ASCII); !ok || key != d.ASCII {
			t.Fatalf("MatchEmailDomain(%q) = %q, %v; Normalize gave it", d.ASCII, key, ok)
		}
		a := d.ASCII
		if len(a) > 253 || a != strings.ToLower(a) || strings.HasSuffix(a, ".") || !strings.Contains(a, ".") {
			t.Fatalf("Normalize(%q).ASCII = %q", in, a)
		}
		for i := 0; i < len(a); i++ {
			if c := a[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				t.Fatalf("Normalize(%q).ASCII = %q has %q", in, a, c)
			}
		}
		if !utf8.ValidString(d.Display) || d.Display != strings.TrimSpace(d.Display) {
			t.Fatalf("Normalize(%q).Display = %q", in, d.Display)
		}
		// An accepted domain re-normalises to itself, from either form.
		again, err := Normalize(a)
		if err != nil || again.ASCII != a || again.Display != a {
			t.Fatalf("Normalize(%q) = %+v, %v; want ASCII and Display %q", a, again, err, a)
		}
		again, err = Normalize(d.Display)
		if err != nil || again != d {
			t.Fatalf("Normalize(%q) = %+v, %v; want %+v", d.Display, again, err, d)
		}
	})
}
