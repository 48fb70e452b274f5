package whitelist

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/learnops/backoffice/shared/domain/csvin"
)

// Limits of a whitelist import file. A file over either is refused as a
// whole with ETOOLARGE.
const (
	// MaxDomainLines is the most domain lines (blank lines and the header
	// not counted) one import file may have.
	MaxDomainLines = 10_000
	// MaxDomainBytes is the largest import file, in bytes (1 MiB): 10,000
	// lines of 100 bytes each.
	MaxDomainBytes = 1 << 20
)

// CSVHeaderDomain is the header of the template's one column.
const CSVHeaderDomain = "Domain"

// CSVTemplate is the template file an admin downloads: the header line and
// one example domain, UTF-8 without a byte order mark, LF line endings.
var CSVTemplate = []byte(CSVHeaderDomain + "\nacme.edu\n")

// csvHeaders are the values (compared case-insensitively, runs of spaces
// collapsed) that make the first line of a file a header, which is skipped.
var csvHeaders = map[string]bool{"domain": true, "domains": true, "email domain": true, "email domains": true}

// Outcome is what became of one line of an import file (see Planner).
type Outcome string

// Outcomes of a line. DomainReader gives OutcomeOK, OutcomeInvalid or
// OutcomePublicDomain; Planner decides the others.
const (
	// OutcomeOK is a valid domain not yet planned.
	OutcomeOK Outcome = ""
	// OutcomeAdded is a domain to add to the whitelist.
	OutcomeAdded Outcome = "added"
	// OutcomeUpdated is a domain already on the whitelist with another
	// contract, to be moved to the import's contract (the import asked to
	// update existing domains).
	OutcomeUpdated Outcome = "updated"
	// OutcomeInvalid is a line that is not one valid domain; its reason is
	// Normalize's (or "one domain per line" for a line of several values).
	OutcomeInvalid Outcome = "invalid"
	// OutcomePublicDomain is a public email domain (see IsPublic).
	OutcomePublicDomain Outcome = "public_domain"
	// OutcomeDuplicate is a domain an earlier line of the same file has
	// (after normalisation); its reason is "duplicate of line N".
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeAlreadyWhitelisted is a domain already on the whitelist with
	// the import's contract.
	OutcomeAlreadyWhitelisted Outcome = "already_whitelisted"
	// OutcomeOtherContract is a domain already on the whitelist with
	// another contract, left as it is (the import did not ask to update
	// existing domains).
	OutcomeOtherContract Outcome = "other_contract"
)

// Skipped reports whether the outcome leaves the whitelist unchanged: every
// outcome except OutcomeOK, OutcomeAdded and OutcomeUpdated.
func (o Outcome) Skipped() bool {
	return o != OutcomeOK && o != OutcomeAdded && o != OutcomeUpdated
}

// DomainLine is one non-blank line of an import file, read and normalised.
type DomainLine struct {
	// Line is the line of the file on which the value starts, counted from
	// 1 as a spreadsheet user counts them (the header, when there is one,
	// is usually line 1).
	Line int
	// Raw is the line's value as read (CSV quotes removed), trimmed; the
	// values of a line that has several are joined with commas.
	Raw string
	// Domain is the normalised domain when Outcome is OutcomeOK, and the
	// zero Domain otherwise.
	Domain Domain
	// Outcome is OutcomeOK for a domain that may be whitelisted,
	// OutcomeInvalid or OutcomePublicDomain for a line to skip.
	Outcome Outcome
	// Reason says why a line is skipped: the message of Normalize's error
	// detail (e.g. "must not contain @: give the domain only, like
	// acme.edu"), or "one domain per line: …". It is "" for OutcomeOK.
	Reason string
}

// DomainReader reads an import file of domains line by line, holding one
// line in memory at a time. Make one with NewDomainReader.
//
// The file has one domain a line, optionally after a header line (a first
// line whose value is "Domain", "Domains", "Email Domain" or "Email
// Domains", in any case, which is skipped). It may be UTF-8 with or without
// a byte order mark, with CRLF or LF line endings; blank lines are skipped;
// spaces around a value and CSV quotes ("acme.edu") are allowed; empty
// fields after the value (acme.edu,, as some spreadsheets save a sheet with
// more columns) are ignored. A line with two values or more (acme.edu,
// beta.edu) is not read as either: it is refused with the reason "one
// domain per line".
type DomainReader struct {
	src      io.Reader
	maxBytes int64
	csv      *csvin.Reader
	max      int
	lines    int
	first    bool // the next non-blank line is the first
	err      error
	opened   bool
}

// NewDomainReader returns a reader of the import file r. It reads r as it
// goes, through a small buffer, never the whole file; r's errors and the
// file's are returned by Next.
func NewDomainReader(r io.Reader) *DomainReader {
	return newDomainReaderLimits(r, MaxDomainLines, MaxDomainBytes)
}

// newDomainReaderLimits is NewDomainReader with other limits, for tests.
func newDomainReaderLimits(r io.Reader, maxLines int, maxBytes int64) *DomainReader {
	return &DomainReader{src: r, maxBytes: maxBytes, max: maxLines, first: true}
}

// open skips a byte order mark, refuses UTF-16 and sets up the CSV reader
// (see csvin.Open), through a buffer of 16 KiB.
func (r *DomainReader) open() error {
	r.opened = true
	c, _, err := csvin.Open(r.src, r.maxBytes, 16<<10)
	if err != nil {
		return convertErr(err)
	}
	c.TrimLeadingSpace = true
	r.csv = c // its records are reused: safe, the field strings are not
	return nil
}

// Next returns the next non-blank line of the file, the header excepted,
// with its value normalised: a line that is not a domain that may be
// whitelisted is returned too, with its Outcome and Reason, and does not
// stop the reading. It returns io.EOF after the last line.
//
// It refuses the file as a whole, returning EINVALID naming the line (field
// "line N") for malformed CSV (such as a quote inside an unquoted value, a
// quoted value never closed, or text after a closing quote) or for text
// that is not UTF-8; EINVALID with the field "file" for a UTF-16 file or one
// whose lines end with a bare carriage return; ETOOLARGE (field "file") when
// the file has more than MaxDomainLines lines or MaxDomainBytes bytes; and
// the underlying reader's error, wrapped, when it fails. Once Next has
// returned an error it returns the same error again. A file is refused when
// the reading reaches the fault, after the lines before it: a caller that
// must write all of a file or nothing reads (and plans) it to its end before
// writing.
func (r *DomainReader) Next() (DomainLine, error) {
	return csvin.Sticky(&r.err, r.next)
}

func (r *DomainReader) next() (DomainLine, error) {
	if !r.opened {
		if err := r.open(); err != nil {
			return DomainLine{}, err
		}
	}
	for {
		rec, err := r.csv.Read()
		if err != nil {
			return DomainLine{}, convertErr(err)
		}
		values := 0
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				values++
			}
		}
		if values == 0 {
			continue
		}
		n, _ := r.csv.FieldPos(0)
		if err := csvin.CheckText(rec, n, bareCR); err != nil {
			return DomainLine{}, convertErr(err)
		}
		first := r.first
		r.first = false
		if first && values == 1 && csvHeaders[csvin.HeaderKey(rec[0])] {
			continue
		}
		if r.lines >= r.max {
			return DomainLine{}, csvin.TooMany(r.max, "domains")
		}
		r.lines++
		return readLine(n, rec, values), nil
	}
}

// readLine makes the DomainLine of the record rec, which starts on line n
// and has values non-blank fields.
func readLine(n int, rec []string, values int) DomainLine {
	// Trailing empty fields are a spreadsheet's extra columns, not values.
	last := len(rec)
	for last > 1 && strings.TrimSpace(rec[last-1]) == "" {
		last--
	}
	if last > 1 {
		raw := make([]string, last)
		for i, f := range rec[:last] {
			raw[i] = strings.TrimSpace(f)
		}
		reason := fmt.Sprintf("one domain per line: this line has %d values; put each domain on a line of its own", values)
		if values == 1 {
			reason = "one domain per line, in the first column: this line's first value is empty"
		}
		return DomainLine{Line: n, Raw: strings.Join(raw, ","), Outcome: OutcomeInvalid, Reason: reason}
	}
	raw := strings.TrimSpace(rec[0])
	d, ref := normalize(raw)
	if ref == nil && IsPublic(d.ASCII) {
		ref = &refusal{public: true, reason: publicReason(d.ASCII)}
	}
	switch {
	case ref == nil:
		return DomainLine{Line: n, Raw: raw, Domain: d}
	case ref.public:
		return DomainLine{Line: n, Raw: raw, Outcome: OutcomePublicDomain, Reason: ref.reason}
	default:
		return DomainLine{Line: n, Raw: raw, Outcome: OutcomeInvalid, Reason: ref.reason}
	}
}

// Lines returns how many lines Next has returned so far.
func (r *DomainReader) Lines() int { return r.lines }

// convertErr turns an error of the csv package, of the underlying reader
// or of csvin into the error Next returns (see csvin.Convert): errors about
// the file as a whole name the field "file".
func convertErr(err error) error {
	return csvin.Convert(err, "file", "whitelist import file", quoteHint)
}

// quoteHint is what the message of a malformed line adds to the csv
// package's reason: how to quote, for a misplaced quote.
func quoteHint(pe *csv.ParseError) string {
	if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
		return ` (a value may be quoted as a whole, "acme.edu", with nothing after the closing quote)`
	}
	return ""
}

// bareCR reports whether the field s has a carriage return that ends no
// line: a file with bare-CR line endings, which reads as one record.
func bareCR(s string) bool {
	return strings.Contains(s, "\r") && !strings.Contains(s, "\n")
}
