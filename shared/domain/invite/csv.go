package invite

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/csvin"
	"github.com/learnops/backoffice/shared/domain/csvout"
)

// Limits of a bulk invitation import. A file over either is refused as a
// whole with ETOOLARGE.
const (
	// MaxImportRows is the most data rows (blank lines and blank records not
	// counted) one import file may have.
	MaxImportRows = 100_000
	// MaxImportBytes is the largest import file, in bytes (20 MiB): about
	// 100,000 rows of 200 bytes each.
	MaxImportBytes = 20 << 20
)

// Headers of an import file, as the template spells them. A file may give
// them in any order and any case, with stray spaces.
const (
	CSVHeaderFullName   = "Full Name"
	CSVHeaderEmail      = "Email"
	CSVHeaderExternalID = "External ID"
)

// CSVTemplate is the template file an admin downloads: the header line and
// one example row, UTF-8 without a BOM, LF line endings.
var CSVTemplate = []byte(CSVHeaderFullName + "," + CSVHeaderEmail + "," + CSVHeaderExternalID + "\n" +
	"Ada Lovelace,ada.lovelace@example.com,EMP-0001\n")

// Limits a row must keep to; they are those of an invitation made one by one.
const (
	csvMaxNameRunes       = 200
	csvMaxExternalIDRunes = 200
)

// Outcome is what became of one row of an import file.
type Outcome string

// Outcomes of a row. Every row of an import gets exactly one; OutcomeOK is a
// valid row not yet written.
const (
	OutcomeOK             Outcome = ""
	OutcomeInvited        Outcome = "invited"
	OutcomeAlreadyInvited Outcome = "already_invited"
	OutcomeAlreadyMember  Outcome = "already_member"
	// OutcomeDuplicate is a row whose email (compared case-insensitively)
	// an earlier row of the same file already has; its reason is
	// "duplicate of row N" (see CSVDuplicateReason).
	OutcomeDuplicate    Outcome = "duplicate"
	OutcomeInvalidEmail Outcome = "invalid_email"
	OutcomeMissingName  Outcome = "missing_name"
	// OutcomeInvalidName is a name longer than an invitation allows (200
	// characters).
	OutcomeInvalidName Outcome = "invalid_name"
	// OutcomeInvalidExternalID is an external ID longer than an invitation
	// allows (200 characters).
	OutcomeInvalidExternalID Outcome = "invalid_external_id"
	// OutcomeErased is a row of someone whose personal data was erased
	// from the org: an import never brings them back by accident; a
	// single invitation by an admin does (see Service.Erasures).
	OutcomeErased Outcome = "erased"
	// OutcomeInvalidProfile is a value of an optional profile column (Job
	// Title, Business Unit…) longer than 200 characters or holding a
	// control character; its reason names the column.
	OutcomeInvalidProfile Outcome = "invalid_profile"
)

// csvProfileAliases are other headers a file may give a profile column
// under, by profile field: the words admins use besides the reports'.
var csvProfileAliases = map[string][]string{
	"department":  {"Department"},
	"managerName": {"Manager"},
}

// profileColumn is an optional profile column the header holds.
type profileColumn struct {
	field  string // bo.ProfileFields' Name
	header string // as the file spells it, trimmed
	col    int
}

// CSVRow is one data row of an import file.
type CSVRow struct {
	// Line is the line of the file on which the row starts, counted as a
	// spreadsheet user counts them: the first line of the file is 1 (the
	// header, unless blank lines precede it). A quoted field that spans
	// lines makes the next row start further down.
	Line int
	// Number is the row's position among the data rows, from 1; blank lines
	// and blank records are not counted.
	Number int
	// FullName, Email and ExternalID are the row's values, trimmed. Line
	// breaks inside a (quoted) name are replaced by spaces.
	FullName   string
	Email      string
	ExternalID string
	// Profile holds the row's values of the optional profile columns the
	// file has, trimmed, by profile field (bo.ProfileFields); empty values
	// are left out, and it is nil when there are none.
	Profile bo.Profile
	// profileHeaders names the file's header of each field of Profile, for
	// the reason of an invalid value.
	profileHeaders map[string]string
	// Record is a copy of the row's fields as read, padded with empty fields
	// to the width of the header; it may be longer than the header.
	Record []string
}

// CSVReader reads an import file row by row, holding one record in memory
// at a time: its memory does not grow with the file. Make one with
// NewCSVReader.
//
// It accepts UTF-8 with or without a byte order mark, CRLF or LF line
// endings, and quoted fields with commas, quotes ("") and line breaks.
// The optional profile columns (those of the reports: Manager Name, Job
// Title, Business Unit, Location City, Employee Id…, and Department and
// Manager for Business Unit and Manager Name) fill CSVRow.Profile; other
// columns are ignored (and kept in CSVRow.Record).
type CSVReader struct {
	csv      *csvin.Reader
	bomLen   int64
	header   []string
	colName  int
	colEmail int
	colExtID int
	profile  []profileColumn
	// profileHeaders is the header of each profile field the file has.
	profileHeaders map[string]string
	maxRows        int
	rows           int
	err            error
}

// NewCSVReader reads the header of the import file r and returns a reader of
// its rows. It reads r as it goes, through a small buffer, never the whole
// file.
//
// The header is the first record that is not blank. Its names are compared
// case-insensitively, after trimming and collapsing runs of spaces, to
// "Full Name", "Email" and "External ID", which must all be there, once
// each, and to the optional profile columns' names, each at most once
// (under any of its names); other columns are ignored.
//
// It returns EINVALID (with a detail for the field "header") when the file
// has no header, when a required header is missing (the message names each
// missing header, e.g. `missing header "External ID"`, one detail each) or
// given twice, or when the file is UTF-16 or has bare-CR line endings;
// EINVALID naming the line (field "line N") when the header record is
// malformed or not UTF-8; ETOOLARGE when the file is larger than
// MaxImportBytes; and r's own read error, wrapped, when r fails.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	return newCSVReaderLimits(r, MaxImportRows, MaxImportBytes)
}

// newCSVReaderLimits is NewCSVReader with other limits, for tests.
func newCSVReaderLimits(r io.Reader, maxRows int, maxBytes int64) (*CSVReader, error) {
	// The csv.Reader reuses its record slice: Next copies it into each
	// CSVRow.
	c, bomLen, err := csvin.Open(r, maxBytes, 64<<10)
	switch {
	case errors.Is(err, csvin.ErrUTF16):
		return nil, csvConvertErr(err)
	case err != nil:
		// r's error on the first bytes, wrapped whatever it is.
		return nil, csvReadError(err)
	}
	cr := &CSVReader{csv: c, bomLen: bomLen, maxRows: maxRows}
	if err := cr.readHeader(); err != nil {
		return nil, err
	}
	return cr, nil
}

// readHeader reads the first non-blank record and finds the three columns.
func (r *CSVReader) readHeader() error {
	var rec []string
	for {
		var err error
		rec, err = r.csv.Read()
		if errors.Is(err, io.EOF) {
			return csvHeaderError("the file has no header; the first line must be: " + csvTemplateHeader())
		}
		if err != nil {
			return csvConvertErr(err)
		}
		if !csvin.Blank(rec) {
			break
		}
	}
	line, _ := r.csv.FieldPos(0)
	// A header has no line breaks: any carriage return in it is a line end.
	if err := csvin.CheckText(rec, line, csvHasCR); err != nil {
		return csvConvertErr(err)
	}
	r.header = append([]string(nil), rec...)

	wanted := []struct {
		name string
		col  *int
	}{
		{CSVHeaderFullName, &r.colName},
		{CSVHeaderEmail, &r.colEmail},
		{CSVHeaderExternalID, &r.colExtID},
	}
	var missing []string
	var details []bo.FieldError
	for _, w := range wanted {
		*w.col = -1
		key := csvin.HeaderKey(w.name)
		for i, h := range rec {
			if csvin.HeaderKey(h) != key {
				continue
			}
			if *w.col >= 0 {
				msg := fmt.Sprintf("duplicate header %q (columns %d and %d)", w.name, *w.col+1, i+1)
				return bo.Invalid(msg, bo.FieldError{Field: "header", Message: msg})
			}
			*w.col = i
		}
		if *w.col < 0 {
			missing = append(missing, strconv.Quote(w.name))
			details = append(details, bo.FieldError{Field: "header", Message: fmt.Sprintf("missing header %q", w.name)})
		}
	}
	if len(missing) > 0 {
		msg := "missing header " + missing[0]
		if len(missing) > 1 {
			msg = "missing headers " + strings.Join(missing, ", ")
		}
		msg += "; the first line must be: " + csvTemplateHeader()
		return bo.Invalid(msg, details...)
	}
	return r.readProfileHeader(rec)
}

// readProfileHeader finds the optional profile columns of the header rec.
// It returns EINVALID when one profile field has two columns.
func (r *CSVReader) readProfileHeader(rec []string) error {
	for _, f := range bo.ProfileFields {
		keys := []string{csvin.HeaderKey(f.Column)}
		for _, a := range csvProfileAliases[f.Name] {
			keys = append(keys, csvin.HeaderKey(a))
		}
		found := -1
		for i, h := range rec {
			if !slices.Contains(keys, csvin.HeaderKey(h)) {
				continue
			}
			if found >= 0 {
				msg := fmt.Sprintf("duplicate header %q (columns %d and %d)", f.Column, found+1, i+1)
				return bo.Invalid(msg, bo.FieldError{Field: "header", Message: msg})
			}
			found = i
		}
		if found >= 0 {
			header := strings.Join(strings.Fields(rec[found]), " ")
			r.profile = append(r.profile, profileColumn{field: f.Name, header: header, col: found})
			if r.profileHeaders == nil {
				r.profileHeaders = map[string]string{}
			}
			r.profileHeaders[f.Name] = header
		}
	}
	return nil
}

// Header returns a copy of the file's header record as read (not trimmed).
func (r *CSVReader) Header() []string {
	return append([]string(nil), r.header...)
}

// Next returns the next data row, skipping blank lines and records whose
// fields are all blank. It returns io.EOF after the last row.
//
// It returns EINVALID naming the line (field "line N", N the line on which
// the record starts) for a malformed record, such as a quote inside an
// unquoted field or a quoted field never closed, or for text that is not
// UTF-8; ETOOLARGE when the file has more than MaxImportRows rows or
// MaxImportBytes bytes; and the underlying reader's error, wrapped, when it
// fails. Each of these refuses the file as a whole: once Next has returned
// an error it returns the same error again.
func (r *CSVReader) Next() (CSVRow, error) {
	return csvin.Sticky(&r.err, r.next)
}

func (r *CSVReader) next() (CSVRow, error) {
	for {
		rec, err := r.csv.Read()
		if err != nil {
			return CSVRow{}, csvConvertErr(err)
		}
		if csvin.Blank(rec) {
			continue
		}
		line, _ := r.csv.FieldPos(0)
		if err := csvin.CheckText(rec, line, nil); err != nil {
			return CSVRow{}, err
		}
		if r.rows >= r.maxRows {
			return CSVRow{}, csvin.TooMany(r.maxRows, "rows")
		}
		r.rows++
		width := max(len(rec), len(r.header))
		record := make([]string, width)
		copy(record, rec)
		var profile bo.Profile
		for _, p := range r.profile {
			if v := strings.TrimSpace(record[p.col]); v != "" {
				if profile == nil {
					profile = bo.Profile{}
				}
				profile[p.field] = v
			}
		}
		return CSVRow{
			Line:           line,
			Number:         r.rows,
			FullName:       csvOneLine(strings.TrimSpace(record[r.colName])),
			Email:          strings.TrimSpace(record[r.colEmail]),
			ExternalID:     strings.TrimSpace(record[r.colExtID]),
			Profile:        profile,
			profileHeaders: r.profileHeaders,
			Record:         record,
		}, nil
	}
}

// Rows returns how many data rows Next has returned so far.
func (r *CSVReader) Rows() int { return r.rows }

// BytesRead returns the offset in the file (byte order mark included) just
// past the last record read: against the file's size, the progress of the
// import.
func (r *CSVReader) BytesRead() int64 {
	return r.bomLen + r.csv.InputOffset()
}

// csvConvertErr turns an error of the csv package, of the underlying reader
// or of csvin into the error Next and NewCSVReader return (see
// csvin.Convert): errors about the file as a whole are the header's.
func csvConvertErr(err error) error {
	return csvin.Convert(err, "header", "import file", csvParseHint)
}

// csvParseHint is what the message of a malformed record adds to the csv
// package's reason: how to quote, for a bare quote, and where the fault is.
func csvParseHint(pe *csv.ParseError) string {
	var msg string
	if errors.Is(pe.Err, csv.ErrBareQuote) {
		msg += ` (a quote inside a field must be doubled "" and the field quoted)`
	}
	if pe.Line != pe.StartLine {
		msg += fmt.Sprintf(" (found at line %d, column %d)", pe.Line, pe.Column)
	} else {
		msg += fmt.Sprintf(" (column %d)", pe.Column)
	}
	return msg
}

// CheckCSVRow validates one row as an invitation: the name must be there and
// at most 200 characters, the email one valid address, the external ID (which
// may be empty) at most 200 characters, and each profile value at most 200
// characters of one line without control characters. It returns OutcomeOK
// and "" for a valid row, and otherwise the outcome (OutcomeMissingName,
// OutcomeInvalidName, OutcomeInvalidEmail, OutcomeInvalidExternalID or
// OutcomeInvalidProfile, in that order of precedence) and a reason to show
// in the result file.
func CheckCSVRow(row CSVRow) (outcome Outcome, reason string) {
	_, outcome, reason = CheckCSVRowEmail(row)
	return outcome, reason
}

// CheckCSVRowEmail is CheckCSVRow that also returns the parsed email of a
// valid row (the zero Email otherwise), so that the caller parses it once.
func CheckCSVRowEmail(row CSVRow) (email bo.Email, outcome Outcome, reason string) {
	if row.FullName == "" {
		return bo.Email{}, OutcomeMissingName, CSVHeaderFullName + " is required"
	}
	if n := utf8.RuneCountInString(row.FullName); n > csvMaxNameRunes {
		return bo.Email{}, OutcomeInvalidName, fmt.Sprintf("%s must be at most %d characters (it has %d)", CSVHeaderFullName, csvMaxNameRunes, n)
	}
	if p := bo.TextProblem(row.FullName, false); p != "" {
		return bo.Email{}, OutcomeInvalidName, CSVHeaderFullName + " " + p
	}
	email, err := bo.ParseEmail(row.Email)
	if err != nil {
		why := "is not a valid email address"
		if d := bo.ErrorDetails(err); len(d) > 0 {
			why = d[0].Message
		}
		return bo.Email{}, OutcomeInvalidEmail, CSVHeaderEmail + " " + why
	}
	if n := utf8.RuneCountInString(row.ExternalID); n > csvMaxExternalIDRunes {
		return bo.Email{}, OutcomeInvalidExternalID, fmt.Sprintf("%s must be at most %d characters (it has %d)", CSVHeaderExternalID, csvMaxExternalIDRunes, n)
	}
	if p := bo.TextProblem(row.ExternalID, false); p != "" {
		return bo.Email{}, OutcomeInvalidExternalID, CSVHeaderExternalID + " " + p
	}
	// In the order of bo.ProfileFields, so that the reason is the same
	// whichever way the map is walked.
	for _, f := range bo.ProfileFields {
		v, ok := row.Profile[f.Name]
		if !ok {
			continue
		}
		header := row.profileHeaders[f.Name]
		if header == "" {
			header = f.Column
		}
		if n := utf8.RuneCountInString(v); n > bo.MaxProfileValue {
			return bo.Email{}, OutcomeInvalidProfile, fmt.Sprintf("%s must be at most %d characters (it has %d)", header, bo.MaxProfileValue, n)
		}
		if _, p := bo.CleanProfileValue(v); p != "" {
			return bo.Email{}, OutcomeInvalidProfile, header + " " + p
		}
	}
	return email, OutcomeOK, ""
}

// CSVDuplicates finds rows of one file that repeat an email. It keeps one
// map entry per distinct email: about 100 bytes each with a typical address,
// some 10 MB for MaxImportRows distinct emails. The zero value is ready to
// use; it is not safe for concurrent use.
type CSVDuplicates struct {
	first map[string]int32
}

// Seen records that row (the number the caller reports rows by, such as
// CSVRow.Line) has the email whose key (bo.Email.Key: the whole address
// lower-cased, so the comparison is case-insensitive) is emailKey. It
// returns the first row that had this email and dup true when an earlier
// row had it, and row and false otherwise. Row numbers must fit in 31 bits.
func (d *CSVDuplicates) Seen(emailKey string, row int) (firstRow int, dup bool) {
	if first, ok := d.first[emailKey]; ok {
		return int(first), true
	}
	if d.first == nil {
		d.first = make(map[string]int32)
	}
	// Clone: the key may share memory with a whole record or buffer.
	d.first[strings.Clone(emailKey)] = int32(row)
	return row, false
}

// Len returns how many distinct emails have been seen.
func (d *CSVDuplicates) Len() int { return len(d.first) }

// Check validates a row as CheckCSVRowEmail does and, for a valid row,
// records its email, returning OutcomeDuplicate ("duplicate of row N", N
// the earlier row's Line) when an earlier row had it. A valid first
// occurrence is OutcomeOK with its parsed email.
func (d *CSVDuplicates) Check(row CSVRow) (email bo.Email, outcome Outcome, reason string) {
	email, outcome, reason = CheckCSVRowEmail(row)
	if outcome == OutcomeOK {
		if first, dup := d.Seen(email.Key, row.Line); dup {
			return email, OutcomeDuplicate, CSVDuplicateReason(first)
		}
	}
	return email, outcome, reason
}

// CSVDuplicateReason is the reason of an OutcomeDuplicate row: "duplicate of
// row N".
func CSVDuplicateReason(firstRow int) string {
	return "duplicate of row " + strconv.Itoa(firstRow)
}

// CSVResultWriter writes the per-row result file of an import as it goes:
// the input's header and then, for each row, the input record followed by
// its outcome and reason. It writes plain UTF-8 (no byte order mark) with LF
// line endings, quoting as CSV requires.
//
// Cells a spreadsheet would evaluate as a formula, those starting with =, +,
// -, @, a tab or a carriage return, are written with a leading single quote
// ('=1+2), which spreadsheets show as text; the file is meant to be read by
// people, not parsed back to the original values. Each record is written at
// the header's width: a shorter one is padded with empty cells, and fields of
// a longer one past the header (which have no column name) are left out.
type CSVResultWriter struct {
	w       *csv.Writer
	width   int
	scratch []string
}

// Result file columns the writer appends to the input's.
const (
	CSVResultOutcome = "Outcome"
	CSVResultReason  = "Reason"
)

// NewCSVResultWriter writes the header (the input's header fields followed
// by Outcome and Reason) to w and returns the writer of the rows. It returns
// w's error, if writing the header fails.
func NewCSVResultWriter(w io.Writer, header []string) (*CSVResultWriter, error) {
	rw := newCSVResultRows(w, len(header))
	rec := append(append(rw.scratch[:0], header...), CSVResultOutcome, CSVResultReason)
	for i := range rec {
		rec[i] = csvout.Neutralise(rec[i])
	}
	if err := rw.w.Write(rec); err != nil {
		return nil, fmt.Errorf("write result header: %w", err)
	}
	return rw, nil
}

// newCSVResultRows is a CSVResultWriter of rows only, at the width of a
// header of width fields written elsewhere: a part of the result file.
func newCSVResultRows(w io.Writer, width int) *CSVResultWriter {
	return &CSVResultWriter{w: csv.NewWriter(w), width: width, scratch: make([]string, 0, width+2)}
}

// Write writes one row: record (at the header's width), outcome and reason.
// Output is buffered: call Flush at the end. It returns the error of the
// underlying writer.
func (w *CSVResultWriter) Write(record []string, outcome Outcome, reason string) error {
	rec := w.scratch[:0]
	for i := range w.width {
		f := ""
		if i < len(record) {
			f = record[i]
		}
		rec = append(rec, csvout.Neutralise(f))
	}
	rec = append(rec, string(outcome), csvout.Neutralise(reason))
	w.scratch = rec
	if err := w.w.Write(rec); err != nil {
		return fmt.Errorf("write result row: %w", err)
	}
	return nil
}

// WriteRow writes row's record with its outcome and reason, as Write does.
func (w *CSVResultWriter) WriteRow(row CSVRow, outcome Outcome, reason string) error {
	return w.Write(row.Record, outcome, reason)
}

// Flush writes any buffered rows to the underlying writer and returns the
// first error any write met.
func (w *CSVResultWriter) Flush() error {
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return fmt.Errorf("write result file: %w", err)
	}
	return nil
}

// csvTemplateHeader is the template's header line.
func csvTemplateHeader() string {
	return CSVHeaderFullName + "," + CSVHeaderEmail + "," + CSVHeaderExternalID
}

// csvOneLine replaces each line break (CRLF, LF or CR) in s by a space.
func csvOneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func csvHeaderError(msg string) error {
	return csvin.Invalid("header", msg)
}

// csvHasCR reports whether s has a carriage return.
func csvHasCR(s string) bool {
	return strings.Contains(s, "\r")
}

func csvReadError(err error) error {
	return fmt.Errorf("read import file: %w", err)
}
