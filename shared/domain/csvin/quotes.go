package csvin

import (
	"bytes"
	"encoding/csv"
	"io"
	"unicode"
)

// Reader is the csv.Reader of an uploaded file (see Open), reading a quote
// inside an unquoted field as text and refusing a quoted field that is
// malformed.
//
// encoding/csv offers only both or neither: with LazyQuotes it reads
// =HYPERLINK("http://x") as written, but it also reads a quoted field with
// text after its closing quote, and a quote never closed swallows the rest
// of the file into one field. So the csv.Reader reads lazily while a
// checker, fed the same bytes, parses each line as the strict reader would
// and records the first malformed quoted field; Read returns that error when
// it reaches the record that holds it.
//
// Read records through Read (or ReadAll); the embedded csv.Reader's settings
// may be changed before the first Read, except LazyQuotes, which must stay
// true.
type Reader struct {
	*csv.Reader
	quotes *quoteCheck
}

// Read returns the next record as csv.Reader.Read does, with LazyQuotes,
// and a *csv.ParseError with csv.ErrQuote, naming the line on which the
// record starts, when the record has a quoted field that is malformed: text
// after its closing quote, or no closing quote before the end of the file.
// The error is the same on every later call.
func (r *Reader) Read() ([]string, error) {
	if r.quotes.err != nil && r.quotes.reported {
		return nil, r.quotes.err
	}
	rec, err := r.Reader.Read()
	if r.quotes.err != nil && (err != nil || r.startLine() >= r.quotes.err.StartLine) {
		r.quotes.reported = true
		return nil, r.quotes.err
	}
	return rec, err
}

// ReadAll reads the remaining records through Read.
func (r *Reader) ReadAll() ([][]string, error) {
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
		out = append(out, append([]string(nil), rec...))
	}
}

func (r *Reader) startLine() int {
	line, _ := r.Reader.FieldPos(0)
	return line
}

// quoteCheck passes the bytes of src through unchanged, parsing them line by
// line as encoding/csv does without LazyQuotes (comma-separated, no comment
// character), except that a quote inside an unquoted field is text. It
// keeps the first malformed quoted field in err. It holds one line at a
// time, as the csv.Reader does.
type quoteCheck struct {
	src io.Reader
	// trim is the csv.Reader's TrimLeadingSpace, read as each line is.
	trim *bool
	err  *csv.ParseError
	// reported is set once Read has returned err.
	reported bool

	partial []byte // the start of a line whose end has not been read yet
	line    int    // lines parsed so far
	recLine int    // the line on which the current record starts
	quoted  bool   // the current line starts inside a quoted field
	col     int    // the column after the last byte parsed
}

func (q *quoteCheck) Read(p []byte) (int, error) {
	n, err := q.src.Read(p)
	if q.err == nil {
		chunk := p[:n]
		for len(chunk) > 0 && q.err == nil {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				q.partial = append(q.partial, chunk...)
				break
			}
			line := chunk[:i+1]
			if len(q.partial) > 0 {
				q.partial = append(q.partial, line...)
				line = q.partial
			}
			q.scan(line)
			q.partial = q.partial[:0]
			chunk = chunk[i+1:]
		}
		if err == io.EOF {
			q.end()
		}
	}
	return n, err
}

// end parses the last line, which has no line break, and checks that the
// file does not end inside a quoted field.
func (q *quoteCheck) end() {
	if len(q.partial) > 0 {
		q.scan(q.partial) // a last \r goes, as csv.Reader drops it before EOF
		q.partial = q.partial[:0]
	}
	if q.err == nil && q.quoted {
		q.err = &csv.ParseError{StartLine: q.recLine, Line: q.line, Column: q.col, Err: csv.ErrQuote}
	}
}

// scan parses one line (its line break included, if it has one) as
// encoding/csv's readRecord does. It never changes line, which is the
// csv.Reader's data.
func (q *quoteCheck) scan(line []byte) {
	q.line++
	// The line's text, without its break (\n or \r\n, as csv.Reader
	// normalises it).
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	q.col = 1
	if !q.quoted {
		if len(line) == 0 {
			return // a blank line, which csv.Reader skips
		}
		q.recLine = q.line
	}
	for {
		if !q.quoted {
			if *q.trim {
				i := bytes.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) })
				if i < 0 {
					return
				}
				line = line[i:]
				q.col += i
			}
			if len(line) == 0 || line[0] != '"' {
				// Unquoted: a quote in it is text. The field ends at a comma
				// or with the record.
				i := bytes.IndexByte(line, ',')
				if i < 0 {
					q.col += len(line)
					return
				}
				line = line[i+1:]
				q.col += i + 1
				continue
			}
			line = line[1:]
			q.col++
			q.quoted = true
		}
		i := bytes.IndexByte(line, '"')
		if i < 0 {
			q.col += len(line)
			return // the quoted field goes on on the next line
		}
		line = line[i+1:]
		q.col += i + 1
		switch {
		case len(line) > 0 && line[0] == '"': // a doubled quote
			line = line[1:]
			q.col++
		case len(line) > 0 && line[0] == ',': // the field's end
			line = line[1:]
			q.col++
			q.quoted = false
		case len(line) == 0: // the record's end
			q.quoted = false
			return
		default:
			q.err = &csv.ParseError{StartLine: q.recLine, Line: q.line, Column: q.col - 1, Err: csv.ErrQuote}
			return
		}
	}
}
