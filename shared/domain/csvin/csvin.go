// Package csvin is for reading uploaded CSV files: streaming, size-limited,
// UTF-8, with errors that name the line. It holds the pieces that the
// readers of invitation imports (package invite) and of whitelist imports
// (package whitelist) share.
//
// Errors meant for the uploader are *backoffice.Error values: EINVALID for a
// file that cannot be read as it is (its detail names the line, "line N",
// or the file as a whole) and ETOOLARGE for one over a limit. The
// underlying reader's own errors are wrapped, and so stay internal.
package csvin

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// BOM is the UTF-8 byte order mark that spreadsheet programs put at the
// start of a "CSV UTF-8" file.
const BOM = "\xEF\xBB\xBF"

// Errors about a file as a whole, which Open and CheckText return and
// Convert turns into EINVALID for the field its caller names. Their messages
// are meant for the uploader.
var (
	// ErrUTF16 is a file that starts with a UTF-16 byte order mark.
	ErrUTF16 = errors.New("the file is UTF-16 text; save it as \"CSV UTF-8\"")
	// ErrBareCR is a file whose lines end with a bare carriage return
	// (old Mac line endings): the csv package reads it as one record.
	ErrBareCR = errors.New("the file's lines end with a bare carriage return; save it as \"CSV UTF-8\"")
)

// Open sets r up to be read as an uploaded CSV file: through
// LimitReader(r, maxBytes) and a buffer of bufSize bytes, skipping a UTF-8
// byte order mark. It returns the Reader of the rest and the length of the
// byte order mark it skipped (3, or 0 when there is none). It reads only the
// first bytes of r, to look for the mark.
//
// The Reader takes records of any number of fields, reads a quote inside
// an unquoted field as text (=HYPERLINK("http://x") as typed in a text
// editor, which spreadsheets read as written), refuses a quoted field that
// is malformed (see Reader.Read) and reuses the record slice from one Read
// to the next (ReuseRecord): copy the slice to keep it; the field strings
// themselves are never reused. The caller may change its settings before
// the first Read, LazyQuotes excepted.
//
// It returns ErrUTF16 when r starts with a UTF-16 byte order mark (either
// byte order), and the error of r (or LimitReader's ETOOLARGE), as it is,
// when reading the first bytes fails; a file shorter than a byte order mark
// is no error.
func Open(r io.Reader, maxBytes int64, bufSize int) (c *Reader, bomLen int64, err error) {
	// A small buffer to look for the mark; the large one is above the
	// quote checker, which sees the bytes the csv.Reader parses, no more.
	head := bufio.NewReaderSize(LimitReader(r, maxBytes), 16)
	mark, err := head.Peek(len(BOM))
	switch {
	case string(mark) == BOM:
		_, _ = head.Discard(len(BOM)) // cannot fail: the bytes are buffered
		bomLen = int64(len(BOM))
	case len(mark) >= 2 && (mark[0] == 0xFF && mark[1] == 0xFE || mark[0] == 0xFE && mark[1] == 0xFF):
		return nil, 0, ErrUTF16
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull):
		return nil, 0, err
	}
	quotes := &quoteCheck{src: head}
	// csv.NewReader uses a *bufio.Reader as it is: this one, large enough.
	cr := csv.NewReader(bufio.NewReaderSize(quotes, bufSize))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	quotes.trim = &cr.TrimLeadingSpace
	return &Reader{Reader: cr, quotes: quotes}, bomLen, nil
}

// Sticky makes a reader's first error final, as a reader of an uploaded
// file that refuses it as a whole does: it returns next's value and error,
// and records the error in *err; once *err holds an error (io.EOF too),
// it returns that error again, with the zero value, without calling next.
// It returns no error of its own.
func Sticky[T any](err *error, next func() (T, error)) (T, error) {
	if *err != nil {
		var zero T
		return zero, *err
	}
	v, e := next()
	if e != nil {
		*err = e
	}
	return v, e
}

// Blank reports whether every field of rec is blank (empty or white space),
// as is a blank line; it returns true for a record of no fields.
func Blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// HeaderKey reduces a header name to what is compared: trimmed, runs of
// white space collapsed to one space, lower-cased. It returns no error.
func HeaderKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// CheckText checks the text of rec, a record that starts on line, field by
// field: each field must be valid UTF-8 and, when bareCR is not nil, must
// not be one for which bareCR reports a bare carriage return. It returns nil
// when every field passes; otherwise the error of the first field that does
// not, NotUTF8(line) (EINVALID naming the line) when the field is not UTF-8
// and ErrBareCR when bareCR reports it.
func CheckText(rec []string, line int, bareCR func(field string) bool) error {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return NotUTF8(line)
		}
		if bareCR != nil && bareCR(f) {
			return ErrBareCR
		}
	}
	return nil
}

// NotUTF8 returns the EINVALID error for a record, starting on line, whose
// text is not UTF-8: the message "line N: the text is not UTF-8; save the
// file as "CSV UTF-8"", with one detail for the field "line N".
func NotUTF8(line int) error {
	field := "line " + strconv.Itoa(line)
	return Invalid(field, field+": the text is not UTF-8; save the file as \"CSV UTF-8\"")
}

// Invalid returns an EINVALID error with the message msg and one detail, for
// field, with the same message.
func Invalid(field, msg string) error {
	return bo.Invalid(msg, bo.FieldError{Field: field, Message: msg})
}

// TooMany returns the ETOOLARGE error for a file with more than max records,
// which it names by noun ("rows", "domains"): the message "the file has more
// than max noun, the limit of one import; split it into several files",
// with one detail for the field "file".
func TooMany(max int, noun string) error {
	return tooLargeError(fmt.Sprintf("the file has more than %d %s, the limit of one import; split it into several files", max, noun))
}

// Convert turns an error met reading an uploaded file with the csv.Reader of
// Open into the error to return to the uploader:
//
//   - io.EOF (or an error that is io.EOF) gives io.EOF;
//   - a *backoffice.Error in err's chain, such as LimitReader's ETOOLARGE
//     or NotUTF8's EINVALID, gives that error;
//   - ErrUTF16 and ErrBareCR give EINVALID with their message and one detail
//     for field (which names the part of the file at fault, such as
//     "header" or "file");
//   - a *csv.ParseError (malformed CSV) gives EINVALID naming the line on
//     which the record starts, with the message "line N: malformed CSV:
//     <the csv package's reason>" followed by hint(pe) when hint is not nil,
//     and one detail for the field "line N";
//   - any other error, the underlying reader's, gives it wrapped as "read
//     <what>: <err>", which is internal.
func Convert(err error, field, what string, hint func(pe *csv.ParseError) string) error {
	var be *bo.Error
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.As(err, &be):
		return be
	case errors.Is(err, ErrUTF16), errors.Is(err, ErrBareCR):
		return Invalid(field, err.Error())
	case errors.As(err, &pe):
		line := "line " + strconv.Itoa(pe.StartLine)
		msg := fmt.Sprintf("%s: malformed CSV: %v", line, pe.Err)
		if hint != nil {
			msg += hint(pe)
		}
		return Invalid(line, msg)
	default:
		return fmt.Errorf("read %s: %w", what, err)
	}
}

// LimitReader returns a reader that passes at most max bytes of r through
// and then fails with TooLarge(max), so that a file over the limit is
// refused without being read to its end. It reads one byte past max to
// tell a file of exactly max bytes (which passes) from a longer one. Until
// then it returns r's bytes and errors as they are.
func LimitReader(r io.Reader, max int64) io.Reader {
	return &limitedReader{r: r, max: max}
}

type limitedReader struct {
	r   io.Reader
	max int64
	n   int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, TooLarge(l.max)
	}
	// Let one byte past the limit through to tell "exactly max" from "more".
	if rest := l.max + 1 - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, TooLarge(l.max)
	}
	return n, err
}

// TooLarge returns the ETOOLARGE error for a file larger than max bytes: the
// message "the file is larger than max bytes (FormatSize(max)), the limit of
// one import", with one detail for the field "file".
func TooLarge(max int64) error {
	return tooLargeError(fmt.Sprintf("the file is larger than %d bytes (%s), the limit of one import", max, FormatSize(max)))
}

func tooLargeError(msg string) error {
	return &bo.Error{Code: bo.ETOOLARGE, Message: msg, Details: []bo.FieldError{{Field: "file", Message: msg}}}
}

// FormatSize formats a byte count for people: in MiB or KiB when n is a
// whole number of them ("20 MiB", "16 KiB"), in bytes otherwise ("1000 B").
// It returns no error.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
