package invite

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/csvin"
)

// csvTestRow is what a test expects of a row.
type csvTestRow struct {
	Line, Number              int
	FullName, Email, External string
}

// csvReadAll reads every row of a file, returning the rows read before the
// first error and that error (nil at a clean end).
func csvReadAll(t testing.TB, r *CSVReader) ([]CSVRow, error) {
	t.Helper()
	var rows []CSVRow
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

func csvSummaries(rows []CSVRow) []csvTestRow {
	out := make([]csvTestRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, csvTestRow{r.Line, r.Number, r.FullName, r.Email, r.ExternalID})
	}
	return out
}

func TestCSVReaderFormats(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	tests := []struct {
		name string
		in   string
		want []csvTestRow
	}{
		{
			name: "LF",
			in:   "Full Name,Email,External ID\nAda Lovelace,ada@example.com,E1\nAlan Turing,alan@example.com,\n",
			want: []csvTestRow{{2, 1, "Ada Lovelace", "ada@example.com", "E1"}, {3, 2, "Alan Turing", "alan@example.com", ""}},
		},
		{
			name: "CRLF",
			in:   "Full Name,Email,External ID\r\nAda Lovelace,ada@example.com,E1\r\nAlan Turing,alan@example.com,\r\n",
			want: []csvTestRow{{2, 1, "Ada Lovelace", "ada@example.com", "E1"}, {3, 2, "Alan Turing", "alan@example.com", ""}},
		},
		{
			name: "BOM and CRLF, no final newline",
			in:   bom + "Full Name,Email,External ID\r\nAda Lovelace,ada@example.com,E1\r\nAlan Turing,alan@example.com,E2",
			want: []csvTestRow{{2, 1, "Ada Lovelace", "ada@example.com", "E1"}, {3, 2, "Alan Turing", "alan@example.com", "E2"}},
		},
		{
			name: "BOM and LF",
			in:   bom + "Full Name,Email,External ID\nAda Lovelace,ada@example.com,E1\n",
			want: []csvTestRow{{2, 1, "Ada Lovelace", "ada@example.com", "E1"}},
		},
		{
			name: "quoted commas, quotes and newlines",
			in: "Full Name,Email,External ID\n" +
				"\"Lovelace, Ada\",ada@example.com,\"E\"\"1\"\n" +
				"\"Alan\nMathison\r\nTuring\",alan@example.com,\"multi\nline\nid\"\n" +
				"Grace Hopper,grace@example.com,E3\n",
			want: []csvTestRow{
				{2, 1, "Lovelace, Ada", "ada@example.com", "E\"1"},
				{3, 2, "Alan Mathison Turing", "alan@example.com", "multi\nline\nid"},
				{8, 3, "Grace Hopper", "grace@example.com", "E3"},
			},
		},
		{
			// As typed in a text editor: spreadsheets read these as written.
			name: "quotes inside unquoted fields",
			in: "Full Name,Email,External ID\n" +
				"Al \"the\" an,al@example.com,=HYPERLINK(\"http://x\")\n" +
				"\"Lovelace, Ada\",ada@example.com,\"=HYPERLINK(\"\"http://y\"\")\"\n",
			want: []csvTestRow{
				{2, 1, "Al \"the\" an", "al@example.com", "=HYPERLINK(\"http://x\")"},
				{3, 2, "Lovelace, Ada", "ada@example.com", "=HYPERLINK(\"http://y\")"},
			},
		},
		{
			name: "blank lines and blank records skipped",
			in:   "\n\r\nFull Name,Email,External ID\n\nAda,ada@example.com,1\n , ,  \n,,\n\r\n   \nAlan,alan@example.com,2\n\n\n",
			want: []csvTestRow{{5, 1, "Ada", "ada@example.com", "1"}, {10, 2, "Alan", "alan@example.com", "2"}},
		},
		{
			name: "values trimmed",
			in:   "Full Name,Email,External ID\n  Ada Lovelace  ,\t ada@example.com ,  E1 \n",
			want: []csvTestRow{{2, 1, "Ada Lovelace", "ada@example.com", "E1"}},
		},
		{
			name: "short and long records",
			in:   "Full Name,Email,External ID\nAda,ada@example.com\nAlan\nGrace,grace@example.com,E3,extra,more\n",
			want: []csvTestRow{{2, 1, "Ada", "ada@example.com", ""}, {3, 2, "Alan", "", ""}, {4, 3, "Grace", "grace@example.com", "E3"}},
		},
		{
			name: "header only",
			in:   "Full Name,Email,External ID\n",
			want: []csvTestRow{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader: the reader must not depend on how the input
			// arrives.
			for _, src := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				r, err := NewCSVReader(src)
				if err != nil {
					t.Fatalf("NewCSVReader: %v", err)
				}
				rows, err := csvReadAll(t, r)
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if got := csvSummaries(rows); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("rows =\n%+v\nwant\n%+v", got, tt.want)
				}
				for _, row := range rows {
					if len(row.Record) < 3 {
						t.Fatalf("row %d: Record %q shorter than the header", row.Number, row.Record)
					}
				}
				if r.Rows() != len(tt.want) {
					t.Fatalf("Rows() = %d, want %d", r.Rows(), len(tt.want))
				}
				if got := r.BytesRead(); got != int64(len(tt.in)) {
					t.Fatalf("BytesRead() = %d, want %d", got, len(tt.in))
				}
				if _, err := r.Next(); !errors.Is(err, io.EOF) {
					t.Fatalf("Next after the end = %v, want io.EOF", err)
				}
			}
		})
	}
}

func TestCSVReaderRecordIsACopy(t *testing.T) {
	in := "Full Name,Email,External ID,Team\nAda,ada@example.com,E1,Eng\nAlan,alan@example.com,E2,Ops\n"
	r, err := NewCSVReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csvReadAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Ada", "ada@example.com", "E1", "Eng"}, {"Alan", "alan@example.com", "E2", "Ops"}}
	for i, row := range rows {
		if !reflect.DeepEqual(row.Record, want[i]) {
			t.Fatalf("row %d Record = %q, want %q (a later Next must not change it)", i+1, row.Record, want[i])
		}
	}
	if h := r.Header(); !reflect.DeepEqual(h, []string{"Full Name", "Email", "External ID", "Team"}) {
		t.Fatalf("Header() = %q", h)
	}
}

func TestCSVReaderHeaders(t *testing.T) {
	tests := []struct {
		name   string
		header string
		// columns of Full Name, Email, External ID in the header
		nameCol, emailCol, extCol int
	}{
		{"template", "Full Name,Email,External ID", 0, 1, 2},
		{"any order", "Email,External ID,Full Name", 2, 0, 1},
		{"any case", "FULL NAME,email,external id", 0, 1, 2},
		{"stray spaces", "  Full   Name ,\tEMAIL\t, External  ID ", 0, 1, 2},
		{"External Id as in the reports", "Full Name,Email,External Id", 0, 1, 2},
		{"extra columns ignored", "Department,Email,Notes,Full Name,,External ID,Manager", 3, 1, 5},
		{"quoted header", `"Full Name","Email","External ID"`, 0, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := make([]string, 7)
			fields[tt.nameCol], fields[tt.emailCol], fields[tt.extCol] = "Ada Lovelace", "ada@example.com", "E1"
			width := strings.Count(tt.header, ",") + 1
			in := tt.header + "\n" + strings.Join(fields[:width], ",") + "\n"
			r, err := NewCSVReader(strings.NewReader(in))
			if err != nil {
				t.Fatalf("NewCSVReader(%q): %v", tt.header, err)
			}
			row, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if row.FullName != "Ada Lovelace" || row.Email != "ada@example.com" || row.ExternalID != "E1" {
				t.Fatalf("row = %+v", row)
			}
		})
	}
}

func TestCSVReaderRefusesHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		message []string // substrings of the error message
		details int      // details with field "header"
	}{
		{"missing Full Name", "Name,Email,External ID\nAda,a@x.org,1\n", []string{`missing header "Full Name"`}, 1},
		{"missing Email", "Full Name,E-mail,External ID\n", []string{`missing header "Email"`}, 1},
		{"missing External ID", "Full Name,Email\nAda,a@x.org\n", []string{`missing header "External ID"`}, 1},
		{"ExternalID without the space", "Full Name,Email,ExternalID\n", []string{`missing header "External ID"`}, 1},
		{"all missing: no header line", "Ada,a@x.org,1\n", []string{`missing headers "Full Name", "Email", "External ID"`, "Full Name,Email,External ID"}, 3},
		{"duplicate header", "Full Name,Email,External ID,email\n", []string{`duplicate header "Email" (columns 2 and 4)`}, 1},
		{"empty file", "", []string{"no header"}, 1},
		{"only a BOM", "\xEF\xBB\xBF", []string{"no header"}, 1},
		{"blank lines only", "\n\r\n  \n,,\n", []string{"no header"}, 1},
		{"UTF-16", "\xFF\xFEF\x00u\x00", []string{"UTF-16"}, 1},
		{"bare CR line endings", "Full Name,Email,External ID\rAda,a@x.org,1\r", []string{"carriage return"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("NewCSVReader accepted %q: %+v", tt.in, r)
			}
			if code := bo.ErrorCode(err); code != bo.EINVALID {
				t.Fatalf("code = %q (%v), want %q", code, err, bo.EINVALID)
			}
			for _, s := range tt.message {
				if msg := bo.ErrorMessage(err); !strings.Contains(msg, s) {
					t.Fatalf("message %q does not contain %q", msg, s)
				}
			}
			d := bo.ErrorDetails(err)
			if len(d) != tt.details {
				t.Fatalf("details = %v, want %d", d, tt.details)
			}
			for _, fe := range d {
				if fe.Field != "header" {
					t.Fatalf("detail field = %q, want header", fe.Field)
				}
			}
		})
	}
}

func TestCSVReaderMalformed(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		before int    // rows returned before the error
		field  string // the error's detail field
		msg    string // a substring of the message
	}{
		{"quote after a quoted field", "Full Name,Email,External ID\nAda,a@x.org,1\n\"Alan\"x,b@x.org,2\n", 1, "line 3", "extraneous"},
		{"unterminated quote", "Full Name,Email,External ID\r\nAda,a@x.org,1\r\n\"Alan,b@x.org,2\r\nGrace,c@x.org,3\r\n", 1, "line 3", "found at line"},
		{"malformed header", "\"Full Name\"x,Email,External ID\n", 0, "line 1", "extraneous"},
		{"quote never closed at the end", "Full Name,Email,External ID\nAda,a@x.org,1\nAl,\"b@x.org,2\n", 1, "line 3", "extraneous or missing"},
		{"not UTF-8", "Full Name,Email,External ID\nAda,a@x.org,1\nJos\xe9,b@x.org,2\n", 1, "line 3", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []CSVRow
			r, err := NewCSVReader(strings.NewReader(tt.in))
			if err == nil {
				rows, err = csvReadAll(t, r)
			}
			if len(rows) != tt.before {
				t.Fatalf("%d rows before the error, want %d", len(rows), tt.before)
			}
			if bo.ErrorCode(err) != bo.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			if d := bo.ErrorDetails(err); len(d) != 1 || d[0].Field != tt.field {
				t.Fatalf("details = %v, want one for field %q", d, tt.field)
			}
			if msg := bo.ErrorMessage(err); !strings.HasPrefix(msg, tt.field+":") || !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q: want it to start with %q and contain %q", msg, tt.field+":", tt.msg)
			}
			if r != nil {
				if _, again := r.Next(); again != err {
					t.Fatalf("Next after an error = %v, want the same error", again)
				}
			}
		})
	}
}

// csvFile returns an import file with n rows, the i-th with email
// user<i>@example.com.
func csvFile(n int) []byte {
	var b bytes.Buffer
	b.Grow(n*48 + 32)
	b.WriteString("Full Name,Email,External ID\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Learner Number %d,user%d@example.com,EMP-%07d\r\n", i, i, i)
	}
	return b.Bytes()
}

func TestCSVReaderRowLimit(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		rows  int
		limit bool
	}{
		{"at the limit", "Full Name,Email,External ID\na,a@x.org,\nb,b@x.org,\nc,c@x.org,\n", 3, false},
		{"blank rows do not count", "Full Name,Email,External ID\na,a@x.org,\n\n,,\nb,b@x.org,\n  \nc,c@x.org,\n\n", 3, false},
		{"over the limit", "Full Name,Email,External ID\na,a@x.org,\nb,b@x.org,\nc,c@x.org,\nd,d@x.org,\n", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newCSVReaderLimits(strings.NewReader(tt.in), 3, MaxImportBytes)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csvReadAll(t, r)
			if len(rows) != tt.rows {
				t.Fatalf("%d rows, want %d", len(rows), tt.rows)
			}
			if !tt.limit {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if bo.ErrorCode(err) != bo.ETOOLARGE || !strings.Contains(bo.ErrorMessage(err), "more than 3 rows") {
				t.Fatalf("error = %v, want ETOOLARGE naming the limit of 3 rows", err)
			}
		})
	}
}

func TestCSVReaderMaxImportRows(t *testing.T) {
	for _, n := range []int{MaxImportRows, MaxImportRows + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r, err := NewCSVReader(bytes.NewReader(csvFile(n)))
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for {
				row, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					if n > MaxImportRows && bo.ErrorCode(err) == bo.ETOOLARGE && strings.Contains(err.Error(), "100000") {
						if rows != MaxImportRows {
							t.Fatalf("ETOOLARGE after %d rows, want %d", rows, MaxImportRows)
						}
						return
					}
					t.Fatalf("after %d rows: %v", rows, err)
				}
				rows++
				if row.Number != rows || row.Line != rows+1 {
					t.Fatalf("row %d: Number %d, Line %d", rows, row.Number, row.Line)
				}
			}
			if n > MaxImportRows {
				t.Fatalf("read %d rows without an error", rows)
			}
			if rows != n {
				t.Fatalf("%d rows, want %d", rows, n)
			}
		})
	}
}

func TestCSVReaderByteLimit(t *testing.T) {
	file := csvFile(100)
	tests := []struct {
		name  string
		max   int64
		limit bool
	}{
		{"exactly at the limit", int64(len(file)), false},
		{"one byte over", int64(len(file)) - 1, true},
		{"header over", 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newCSVReaderLimits(bytes.NewReader(file), MaxImportRows, tt.max)
			if err == nil {
				_, err = csvReadAll(t, r)
			}
			if !tt.limit {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if bo.ErrorCode(err) != bo.ETOOLARGE || !strings.Contains(bo.ErrorMessage(err), fmt.Sprint(tt.max)) {
				t.Fatalf("error = %v, want ETOOLARGE naming %d bytes", err, tt.max)
			}
		})
	}
	if _, err := newCSVReaderLimits(strings.NewReader("x"), 1, MaxImportBytes); err == nil {
		t.Fatal("a file of one letter was accepted")
	}
	e := csvin.TooLarge(MaxImportBytes)
	if !strings.Contains(e.Error(), "20 MiB") {
		t.Fatalf("message %q does not name 20 MiB", e.Error())
	}
}

func TestCSVReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	in := io.MultiReader(strings.NewReader("Full Name,Email,External ID\nAda,a@x.org,1\n"), iotest.ErrReader(boom))
	r, err := NewCSVReader(in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = csvReadAll(t, r)
	if !errors.Is(err, boom) || bo.ErrorCode(err) != bo.EINTERNAL {
		t.Fatalf("error = %v, want the read error, internal", err)
	}
}

func TestCSVTemplate(t *testing.T) {
	r, err := NewCSVReader(bytes.NewReader(CSVTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); !reflect.DeepEqual(h, []string{"Full Name", "Email", "External ID"}) {
		t.Fatalf("template header = %q", h)
	}
	rows, err := csvReadAll(t, r)
	if err != nil || len(rows) != 1 {
		t.Fatalf("template rows = %v, %v", rows, err)
	}
	if o, why := CheckCSVRow(rows[0]); o != OutcomeOK {
		t.Fatalf("template row: %q %q", o, why)
	}
}

func TestCheckCSVRow(t *testing.T) {
	long := strings.Repeat("é", 201)
	tests := []struct {
		name    string
		row     CSVRow
		outcome Outcome
		reason  string
		key     string
	}{
		{"valid", CSVRow{FullName: "Ada", Email: "Ada@Example.COM"}, OutcomeOK, "", "ada@example.com"},
		{"valid with external ID", CSVRow{FullName: "Ada", Email: "ada@example.com", ExternalID: "E1"}, OutcomeOK, "", "ada@example.com"},
		{"200 characters", CSVRow{FullName: long[2:], Email: "a@example.com", ExternalID: long[2:]}, OutcomeOK, "", "a@example.com"},
		{"missing name", CSVRow{Email: "ada@example.com"}, OutcomeMissingName, "Full Name is required", ""},
		{"missing name and email", CSVRow{}, OutcomeMissingName, "Full Name is required", ""},
		{"name too long", CSVRow{FullName: long, Email: "ada@example.com"}, OutcomeInvalidName, "Full Name must be at most 200 characters (it has 201)", ""},
		{"missing email", CSVRow{FullName: "Ada"}, OutcomeInvalidEmail, "Email is required", ""},
		{"invalid email", CSVRow{FullName: "Ada", Email: "ada@localhost"}, OutcomeInvalidEmail, "Email is not a valid email address", ""},
		{"display name", CSVRow{FullName: "Ada", Email: "Ada <ada@example.com>"}, OutcomeInvalidEmail, "Email is not a valid email address", ""},
		{"two addresses", CSVRow{FullName: "Ada", Email: "a@example.com;b@example.com"}, OutcomeInvalidEmail, "Email is not a valid email address", ""},
		{"external ID too long", CSVRow{FullName: "Ada", Email: "ada@example.com", ExternalID: long}, OutcomeInvalidExternalID, "External ID must be at most 200 characters (it has 201)", ""},
		{"NUL in name", CSVRow{FullName: "Ada\x00", Email: "ada@example.com"}, OutcomeInvalidName, "Full Name must not contain control characters (U+0000)", ""},
		{"escape in name", CSVRow{FullName: "\x1b[2JAda", Email: "ada@example.com"}, OutcomeInvalidName, "Full Name must not contain control characters (U+001B)", ""},
		{"NUL in external ID", CSVRow{FullName: "Ada", Email: "ada@example.com", ExternalID: "E\x001"}, OutcomeInvalidExternalID, "External ID must not contain control characters (U+0000)", ""},
		{"email with a tab", CSVRow{FullName: "Ada", Email: "ada@example.com\t"}, OutcomeInvalidEmail, "Email must not contain spaces, tabs or line breaks (before, inside or after the address)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcome, reason := CheckCSVRow(tt.row)
			if outcome != tt.outcome || reason != tt.reason {
				t.Fatalf("CheckCSVRow = %q, %q; want %q, %q", outcome, reason, tt.outcome, tt.reason)
			}
			email, outcome2, reason2 := CheckCSVRowEmail(tt.row)
			if outcome2 != outcome || reason2 != reason || email.Key != tt.key {
				t.Fatalf("CheckCSVRowEmail = %+v, %q, %q", email, outcome2, reason2)
			}
		})
	}
}

func TestCSVDuplicates(t *testing.T) {
	steps := []struct {
		email string
		row   int
		first int
		dup   bool
	}{
		{"ada@example.com", 2, 2, false},
		{"alan@example.com", 3, 3, false},
		{"Ada@Example.com", 4, 2, true},
		{"ada@example.com", 5, 2, true},
		{"alan@example.com", 9, 3, true},
		{"grace@example.com", 10, 10, false},
	}
	var d CSVDuplicates
	for _, s := range steps {
		e, err := bo.ParseEmail(s.email)
		if err != nil {
			t.Fatal(err)
		}
		first, dup := d.Seen(e.Key, s.row)
		if first != s.first || dup != s.dup {
			t.Fatalf("Seen(%q, %d) = %d, %v; want %d, %v", e.Key, s.row, first, dup, s.first, s.dup)
		}
	}
	if d.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", d.Len())
	}
	if got := CSVDuplicateReason(2); got != "duplicate of row 2" {
		t.Fatalf("CSVDuplicateReason(2) = %q", got)
	}
}

func TestCSVResultWriter(t *testing.T) {
	in := "\xEF\xBB\xBFEmail,Full Name,External ID,=Notes\r\n" +
		"ada@example.com,\"Lovelace, Ada\",E1,\"line one\nline two\"\r\n" +
		"\"=HYPERLINK(\"\"http://evil\"\")\",Mallory,+1,@x\r\n" +
		"ada@example.com,Ada again\r\n" +
		",,,-dash\r\n" +
		"alan@example.com,Alan,E2,x,beyond\r\n"
	r, err := NewCSVReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := NewCSVResultWriter(&out, r.Header())
	if err != nil {
		t.Fatal(err)
	}
	var dups CSVDuplicates
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_, outcome, reason := dups.Check(row)
		if outcome == OutcomeOK {
			outcome = OutcomeInvited
		}
		if err := w.WriteRow(row, outcome, reason); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(out.String(), csvin.BOM) {
		t.Fatal("the result file starts with a BOM")
	}
	got, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("the result file does not parse: %v\n%s", err, out.String())
	}
	want := [][]string{
		{"Email", "Full Name", "External ID", "'=Notes", "Outcome", "Reason"},
		{"ada@example.com", "Lovelace, Ada", "E1", "line one\nline two", "invited", ""},
		{"'=HYPERLINK(\"http://evil\")", "Mallory", "'+1", "'@x", "invalid_email", "Email is not a valid email address"},
		{"ada@example.com", "Ada again", "", "", "duplicate", "duplicate of row 2"},
		{"", "", "", "'-dash", "missing_name", "Full Name is required"},
		{"alan@example.com", "Alan", "E2", "x", "invited", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("result file =\n%q\nwant\n%q", got, want)
	}
}

type csvFailingWriter struct{}

func (csvFailingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCSVResultWriterError(t *testing.T) {
	w, err := NewCSVResultWriter(csvFailingWriter{}, []string{"Full Name", "Email", "External ID"})
	if err != nil {
		t.Fatal(err) // buffered: nothing written yet
	}
	if err := w.Write([]string{"a", "b", "c"}, OutcomeInvited, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush = %v, want the writer's error", err)
	}
}

// FuzzCSVReader feeds arbitrary bytes to the reader: it must not panic, it
// must end in io.EOF or an *bo.Error, and each row it returns must carry
// the three values, trimmed, taken from its record, with consistent
// numbers; the result writer must round-trip each row.
func FuzzCSVReader(f *testing.F) {
	f.Add(CSVTemplate)
	f.Add([]byte("\xEF\xBB\xBFemail,FULL NAME, external id ,x\r\n\"a,b\",\"c\nd\",e,f\r\n\r\n,,\n=1,+2,-3,@4"))
	f.Add([]byte("Full Name,Email,External ID\n\"unterminated,a@b.c,1\n"))
	f.Add([]byte("Full Name,Email,External ID\nAl \"x\",a@b.c\n"))
	f.Add([]byte("Full Name,Email,External ID,Email\n"))
	f.Add([]byte("\n\n"))
	f.Add([]byte("Full Name,Email,External ID\nJos\xe9,a@b.c,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newCSVReaderLimits(bytes.NewReader(data), 50, 1<<16)
		if err != nil {
			var be *bo.Error
			if !errors.As(err, &be) {
				t.Fatalf("NewCSVReader error %v (%T) is not a *bo.Error", err, err)
			}
			return
		}
		header := r.Header()
		var out bytes.Buffer
		w, err := NewCSVResultWriter(&out, header)
		if err != nil {
			t.Fatal(err)
		}
		var rows []CSVRow
		prevLine := 0
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var be *bo.Error
				if !errors.As(err, &be) {
					t.Fatalf("Next error %v (%T) is not a *bo.Error", err, err)
				}
				break
			}
			if row.Number != len(rows)+1 || row.Line <= prevLine || len(row.Record) < len(header) || len(row.Record) < 3 {
				t.Fatalf("row %+v after line %d, header %q", row, prevLine, header)
			}
			prevLine = row.Line
			if row.Email != strings.TrimSpace(row.Record[r.colEmail]) ||
				row.ExternalID != strings.TrimSpace(row.Record[r.colExtID]) ||
				row.FullName != csvOneLine(strings.TrimSpace(row.Record[r.colName])) {
				t.Fatalf("row %+v: values not those of its record", row)
			}
			outcome, reason := CheckCSVRow(row)
			if (outcome == OutcomeOK) != (reason == "") {
				t.Fatalf("CheckCSVRow = %q, %q", outcome, reason)
			}
			if err := w.WriteRow(row, outcome, reason); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		back, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatalf("result file does not parse: %v", err)
		}
		if len(back) != len(rows)+1 {
			t.Fatalf("result file has %d records, want %d", len(back), len(rows)+1)
		}
		for i, rec := range back {
			if len(rec) != len(header)+2 {
				t.Fatalf("result record %d has %d fields, want %d", i, len(rec), len(header)+2)
			}
		}
	})
}
