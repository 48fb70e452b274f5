package whitelist

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Run the benchmarks with
//
//	go test ./shared/domain/whitelist -run '^$' -bench . -benchmem

func BenchmarkNormalize(b *testing.B) {
	for _, in := range []struct{ name, domain string }{
		{"ascii", "acme.edu"},
		{"ascii-upper-dot", " Mail.ACME.edu. "},
		{"idn", "bücher.example"},
		{"punycode", "xn--bcher-kva.example"},
		{"public", "gmail.com"},
		{"refused-email", "jo@acme.edu"},
	} {
		b.Run(in.name, func(b *testing.B) {
			IsPublic("") // load the list outside the timing
			for b.Loop() {
				_, _ = Normalize(in.domain)
			}
		})
	}
}

func BenchmarkMatchEmailDomain(b *testing.B) {
	for b.Loop() {
		_, _ = MatchEmailDomain("acme.edu")
	}
}

// BenchmarkParsePublicDomains is the one-off cost of the first IsPublic.
func BenchmarkParsePublicDomains(b *testing.B) {
	for b.Loop() {
		_ = parsePublicDomains()
	}
}

// benchFile is an import file of MaxDomainLines lines, CRLF, with a header:
// every 10th line repeats an earlier domain in upper case, every 50th is an
// email address, every 100th a public domain.
func benchFile() string {
	var b strings.Builder
	b.WriteString("Domain\r\n")
	for i := 1; i <= MaxDomainLines; i++ {
		switch {
		case i%100 == 0:
			b.WriteString("gmail.com\r\n")
		case i%50 == 0:
			fmt.Fprintf(&b, "jo@school-%d.edu\r\n", i)
		case i%10 == 0:
			fmt.Fprintf(&b, "SCHOOL-%d.EDU\r\n", i-5)
		default:
			fmt.Fprintf(&b, "school-%d.edu\r\n", i)
		}
	}
	return b.String()
}

func readBench(b *testing.B, in string) []DomainLine {
	r := NewDomainReader(strings.NewReader(in))
	lines := make([]DomainLine, 0, MaxDomainLines)
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return lines
		}
		if err != nil {
			b.Fatal(err)
		}
		lines = append(lines, l)
	}
}

// BenchmarkDomainReader reads and normalises a file of 10,000 domains.
func BenchmarkDomainReader(b *testing.B) {
	in := benchFile()
	IsPublic("")
	b.SetBytes(int64(len(in)))
	n := 0
	for b.Loop() {
		n += len(readBench(b, in))
	}
	if n != MaxDomainLines*b.N {
		b.Fatalf("read %d lines, want %d", n, MaxDomainLines*b.N)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkPlan plans the 10,000 lines, a tenth of them already whitelisted.
func BenchmarkPlan(b *testing.B) {
	lines := readBench(b, benchFile())
	existing := map[string]string{}
	for i := 1; i <= MaxDomainLines; i += 10 {
		existing[fmt.Sprintf("school-%d.edu", i)] = "C2"
	}
	r := Plan(lines, existing, "C1", true)
	if r.Added == 0 || r.Updated == 0 || r.Skipped == 0 {
		b.Fatalf("plan %d/%d/%d", r.Added, r.Updated, r.Skipped)
	}
	for b.Loop() {
		_ = Plan(lines, existing, "C1", true)
	}
}
