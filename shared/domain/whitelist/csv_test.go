package whitelist

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// lineSummary is what a test expects of a line.
type lineSummary struct {
	Line    int
	Raw     string
	ASCII   string
	Outcome Outcome
}

// readAll reads every line of r, returning the lines read before the first
// error and that error (nil at a clean end).
func readAll(r *DomainReader) ([]DomainLine, error) {
	var lines []DomainLine
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return lines, err
		}
		lines = append(lines, l)
	}
}

func summaries(lines []DomainLine) []lineSummary {
	out := make([]lineSummary, 0, len(lines))
	for _, l := range lines {
		out = append(out, lineSummary{l.Line, l.Raw, l.Domain.ASCII, l.Outcome})
	}
	return out
}

func TestDomainReader(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	ok := func(line int, raw, ascii string) lineSummary { return lineSummary{line, raw, ascii, OutcomeOK} }
	bad := func(line int, raw string) lineSummary { return lineSummary{line, raw, "", OutcomeInvalid} }
	public := func(line int, raw string) lineSummary { return lineSummary{line, raw, "", OutcomePublicDomain} }
	tests := []struct {
		name string
		in   string
		want []lineSummary
	}{
		{"no header", "acme.edu\nbeta.org\n", []lineSummary{ok(1, "acme.edu", "acme.edu"), ok(2, "beta.org", "beta.org")}},
		{"header Domain", "Domain\nacme.edu\n", []lineSummary{ok(2, "acme.edu", "acme.edu")}},
		{"header domains", "domains\nacme.edu\n", []lineSummary{ok(2, "acme.edu", "acme.edu")}},
		{"header EMAIL DOMAIN", "EMAIL  DOMAIN\nacme.edu\n", []lineSummary{ok(2, "acme.edu", "acme.edu")}},
		{"header Email Domains, quoted", "\"Email Domains\"\nacme.edu\n", []lineSummary{ok(2, "acme.edu", "acme.edu")}},
		{"header after blank lines", "\n\n Domain \nacme.edu\n", []lineSummary{ok(4, "acme.edu", "acme.edu")}},
		{"header with an empty second column", "Domain,\nacme.edu,\n", []lineSummary{ok(2, "acme.edu", "acme.edu")}},
		{"header only", "Domain\n", []lineSummary{}},
		{"empty file", "", []lineSummary{}},
		{"only blank lines", "\n\r\n  \n", []lineSummary{}},
		{"a header is only the first line", "acme.edu\nDomain\n", []lineSummary{ok(1, "acme.edu", "acme.edu"), bad(2, "Domain")}},
		{"other first line is a domain line", "Domains list\nacme.edu\n", []lineSummary{bad(1, "Domains list"), ok(2, "acme.edu", "acme.edu")}},
		{"BOM", bom + "Domain\nacme.edu\n", []lineSummary{ok(2, "acme.edu", "acme.edu")}},
		{"BOM without header", bom + "acme.edu\n", []lineSummary{ok(1, "acme.edu", "acme.edu")}},
		{"CRLF", "Domain\r\nacme.edu\r\nbeta.org\r\n", []lineSummary{ok(2, "acme.edu", "acme.edu"), ok(3, "beta.org", "beta.org")}},
		{"BOM and CRLF, no final newline", bom + "Domain\r\nacme.edu\r\nbeta.org", []lineSummary{ok(2, "acme.edu", "acme.edu"), ok(3, "beta.org", "beta.org")}},
		{"blank lines", "\nDomain\n\n\r\nacme.edu\n   \n\t\nbeta.org\n\n", []lineSummary{ok(5, "acme.edu", "acme.edu"), ok(8, "beta.org", "beta.org")}},
		{"blank records", "acme.edu\n,\n , ,\n\"\"\n\" \"\nbeta.org\n", []lineSummary{ok(1, "acme.edu", "acme.edu"), ok(6, "beta.org", "beta.org")}},
		{"quotes and spaces", "\"acme.edu\"\n  \"beta.org\"\n  gamma.net  \n\" delta.io \"\n", []lineSummary{
			ok(1, "acme.edu", "acme.edu"), ok(2, "beta.org", "beta.org"), ok(3, "gamma.net", "gamma.net"), ok(4, "delta.io", "delta.io"),
		}},
		{"trailing empty fields", "acme.edu,\nbeta.org,,\n\"gamma.net\", ,\n", []lineSummary{
			ok(1, "acme.edu", "acme.edu"), ok(2, "beta.org", "beta.org"), ok(3, "gamma.net", "gamma.net"),
		}},
		{"normalised", "ACME.EDU.\nBücher.example\nxn--bcher-kva.example\n", []lineSummary{
			{1, "ACME.EDU.", "acme.edu", OutcomeOK}, {2, "Bücher.example", "xn--bcher-kva.example", OutcomeOK}, {3, "xn--bcher-kva.example", "xn--bcher-kva.example", OutcomeOK},
		}},
		{"bad lines skipped, not fatal", "Domain\njo@acme.edu\nhttps://beta.org\nacme.edu\n*.gamma.net\ngmail.com\nacme\n", []lineSummary{
			bad(2, "jo@acme.edu"), bad(3, "https://beta.org"), ok(4, "acme.edu", "acme.edu"), bad(5, "*.gamma.net"), public(6, "gmail.com"), bad(7, "acme"),
		}},
		{"several values", "acme.edu,beta.org\n\"acme.edu\",\"beta.org\",\nacme.edu;beta.org\n", []lineSummary{
			bad(1, "acme.edu,beta.org"), bad(2, "acme.edu,beta.org"), bad(3, "acme.edu;beta.org"),
		}},
		{"value not in the first column", ",acme.edu\n", []lineSummary{bad(1, ",acme.edu")}},
		{"quoted comma", "\"acme.edu,beta.org\"\n", []lineSummary{bad(1, "acme.edu,beta.org")}},
		{"quoted line break", "\"acme\nedu\"\nbeta.org\n", []lineSummary{bad(1, "acme\nedu"), ok(3, "beta.org", "beta.org")}},
		{"doubled quotes", "\"\"\"acme.edu\"\"\"\n", []lineSummary{bad(1, "\"acme.edu\"")}},
		{"a quote inside an unquoted value is read as written", "ac\"me.edu\nbeta.org\n", []lineSummary{bad(1, "ac\"me.edu"), ok(2, "beta.org", "beta.org")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader: the reader must not depend on how the input
			// arrives.
			for _, src := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				r := NewDomainReader(src)
				lines, err := readAll(r)
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if got := summaries(lines); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("lines\n got %+v\nwant %+v", got, tt.want)
				}
				if r.Lines() != len(tt.want) {
					t.Fatalf("Lines() = %d, want %d", r.Lines(), len(tt.want))
				}
				for _, l := range lines {
					if (l.Outcome == OutcomeOK) != (l.Reason == "") {
						t.Fatalf("line %d: outcome %q with reason %q", l.Line, l.Outcome, l.Reason)
					}
				}
			}
		})
	}
}

func TestDomainReaderReasons(t *testing.T) {
	in := "Domain\njo@acme.edu\ngmail.com\nacme.edu,beta.org\n,acme.edu\nacme.edu:8080\n"
	want := []string{
		"must not contain @: give the domain only, like acme.edu",
		"gmail.com is a public email domain: anyone can have an address there, so whitelisting it would admit everyone; use your organisation's own domain",
		"one domain per line: this line has 2 values; put each domain on a line of its own",
		"one domain per line, in the first column: this line's first value is empty",
		"must not contain a port (:): give the domain only, like acme.edu",
	}
	lines, err := readAll(NewDomainReader(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Reason)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("reasons\n got %q\nwant %q", got, want)
	}
	// A line's reason is Normalize's detail.
	_, nerr := Normalize("jo@acme.edu")
	if d := bo.ErrorDetails(nerr); d[0].Message != lines[0].Reason {
		t.Fatalf("Normalize says %q, the reader %q", d[0].Message, lines[0].Reason)
	}
}

func TestDomainReaderFileErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		maxLines int
		maxBytes int64
		code     string
		field    string
		msg      string // a substring of the message
		before   int    // lines read before the error
	}{
		{name: "text after a closing quote, later line", in: "acme.edu\n\"be\"ta.org\n", code: bo.EINVALID, field: "line 2", msg: "line 2: malformed CSV", before: 1},
		{name: "quote never closed", in: "acme.edu\n\"beta.org\ngamma.net\n", code: bo.EINVALID, field: "line 2", msg: "malformed CSV", before: 1},
		{name: "text after a closing quote", in: "\"acme.edu\" x\n", code: bo.EINVALID, field: "line 1", msg: "nothing after the closing quote"},
		{name: "not UTF-8", in: "acme.edu\nbeta\xff.org\n", code: bo.EINVALID, field: "line 2", msg: "not UTF-8", before: 1},
		{name: "Latin-1", in: "Domain\nb\xfccher.example\n", code: bo.EINVALID, field: "line 2", msg: "not UTF-8"},
		{name: "UTF-16LE", in: "\xFF\xFEa\x00c\x00", code: bo.EINVALID, field: "file", msg: "UTF-16"},
		{name: "UTF-16BE", in: "\xFE\xFF\x00a\x00c", code: bo.EINVALID, field: "file", msg: "UTF-16"},
		{name: "bare CR line endings", in: "Domain\racme.edu\rbeta.org\r", code: bo.EINVALID, field: "file", msg: "bare carriage return"},
		{name: "too many lines", in: "Domain\na.edu\n\nb.edu\nc.edu\nd.edu\n", maxLines: 3, code: bo.ETOOLARGE, field: "file", msg: "more than 3 domains", before: 3},
		{name: "too many bytes", in: "a.edu\nb.edu\nc.edu\n", maxBytes: 10, code: bo.ETOOLARGE, field: "file", msg: "larger than 10 bytes", before: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxLines, maxBytes := MaxDomainLines, int64(MaxDomainBytes)
			if tt.maxLines > 0 {
				maxLines = tt.maxLines
			}
			if tt.maxBytes > 0 {
				maxBytes = tt.maxBytes
			}
			r := newDomainReaderLimits(strings.NewReader(tt.in), maxLines, maxBytes)
			lines, err := readAll(r)
			if err == nil {
				t.Fatalf("no error; lines %+v", summaries(lines))
			}
			if code := bo.ErrorCode(err); code != tt.code {
				t.Fatalf("code %q, want %q (%v)", code, tt.code, err)
			}
			d := bo.ErrorDetails(err)
			if len(d) != 1 || d[0].Field != tt.field {
				t.Fatalf("details %+v, want the field %q", d, tt.field)
			}
			if !strings.Contains(bo.ErrorMessage(err), tt.msg) {
				t.Fatalf("message %q, want it to contain %q", bo.ErrorMessage(err), tt.msg)
			}
			if len(lines) != tt.before {
				t.Fatalf("%d lines before the error, want %d", len(lines), tt.before)
			}
			// The error sticks.
			if _, again := r.Next(); again != err {
				t.Fatalf("Next after an error: %v, want %v", again, err)
			}
		})
	}
}

// TestDomainReaderLimits checks the real limits at and just past them.
func TestDomainReaderLimits(t *testing.T) {
	file := func(lines int) string {
		var b strings.Builder
		b.WriteString("Domain\r\n\r\n")
		for i := range lines {
			fmt.Fprintf(&b, "d%d.edu\r\n\r\n", i)
		}
		return b.String()
	}
	// MaxDomainLines lines (blank lines and the header not counted) pass.
	lines, err := readAll(NewDomainReader(strings.NewReader(file(MaxDomainLines))))
	if err != nil || len(lines) != MaxDomainLines {
		t.Fatalf("%d lines: read %d, %v", MaxDomainLines, len(lines), err)
	}
	_, err = readAll(NewDomainReader(strings.NewReader(file(MaxDomainLines + 1))))
	if bo.ErrorCode(err) != bo.ETOOLARGE || !strings.Contains(bo.ErrorMessage(err), "more than 10000 domains") {
		t.Fatalf("%d lines: %v", MaxDomainLines+1, err)
	}

	// MaxDomainBytes bytes pass; one more does not.
	pad := func(n int) string {
		s := "acme.edu\n"
		return s + strings.Repeat(" ", n-len(s)-1) + "\n"
	}
	lines, err = readAll(NewDomainReader(strings.NewReader(pad(MaxDomainBytes))))
	if err != nil || len(lines) != 1 {
		t.Fatalf("%d bytes: read %d, %v", MaxDomainBytes, len(lines), err)
	}
	_, err = readAll(NewDomainReader(strings.NewReader(pad(MaxDomainBytes + 1))))
	if bo.ErrorCode(err) != bo.ETOOLARGE || !strings.Contains(bo.ErrorMessage(err), "larger than 1048576 bytes (1 MiB)") {
		t.Fatalf("%d bytes: %v", MaxDomainBytes+1, err)
	}
}

func TestDomainReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := NewDomainReader(io.MultiReader(strings.NewReader("acme.edu\n"), iotest.ErrReader(boom)))
	lines, err := readAll(r)
	if !errors.Is(err, boom) || bo.ErrorCode(err) != bo.EINTERNAL {
		t.Fatalf("err %v, want boom wrapped", err)
	}
	if len(lines) != 1 {
		t.Fatalf("%d lines before the error, want 1", len(lines))
	}
}

func TestCSVTemplate(t *testing.T) {
	if string(CSVTemplate) != "Domain\nacme.edu\n" {
		t.Fatalf("template %q", CSVTemplate)
	}
	lines, err := readAll(NewDomainReader(strings.NewReader(string(CSVTemplate))))
	if err != nil {
		t.Fatal(err)
	}
	if got := summaries(lines); !reflect.DeepEqual(got, []lineSummary{{2, "acme.edu", "acme.edu", OutcomeOK}}) {
		t.Fatalf("template reads as %+v", got)
	}
}
