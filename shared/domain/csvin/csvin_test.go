package csvin_test

import (
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

// wantBoError checks that err is a *bo.Error with the code, the message and
// one detail, for field, with the same message.
func wantBoError(t *testing.T, err error, code, field, msg string) {
	t.Helper()
	var be *bo.Error
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T) is not a *bo.Error", err, err)
	}
	want := &bo.Error{Code: code, Message: msg, Details: []bo.FieldError{{Field: field, Message: msg}}}
	if !reflect.DeepEqual(be, want) {
		t.Fatalf("error\n got %#v\nwant %#v", be, want)
	}
}

func TestLimitReader(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		src     func() io.Reader
		max     int64
		read    string // what passes through before the error
		tooBig  bool   // the error is TooLarge(max)
		wantErr error  // otherwise the error, nil for a clean end
	}{
		{name: "empty", src: func() io.Reader { return strings.NewReader("") }, max: 0},
		{name: "under the limit", src: func() io.Reader { return strings.NewReader("abc") }, max: 10, read: "abc"},
		{name: "exactly the limit", src: func() io.Reader { return strings.NewReader("abcde") }, max: 5, read: "abcde"},
		{name: "one byte over", src: func() io.Reader { return strings.NewReader("abcdef") }, max: 5, read: "abcdef", tooBig: true},
		{name: "far over: reads one byte past the limit only", src: func() io.Reader { return strings.NewReader(strings.Repeat("x", 1000)) }, max: 5, read: "xxxxxx", tooBig: true},
		{name: "limit 0", src: func() io.Reader { return strings.NewReader("a") }, max: 0, read: "a", tooBig: true},
		{name: "one byte at a time, exactly", src: func() io.Reader { return iotest.OneByteReader(strings.NewReader("abcde")) }, max: 5, read: "abcde"},
		{name: "one byte at a time, over", src: func() io.Reader { return iotest.OneByteReader(strings.NewReader("abcdef")) }, max: 5, read: "abcdef", tooBig: true},
		{name: "data with EOF, exactly", src: func() io.Reader { return iotest.DataErrReader(strings.NewReader("abcde")) }, max: 5, read: "abcde"},
		{name: "reader error passes", src: func() io.Reader { return io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom)) }, max: 5, read: "ab", wantErr: boom},
		{name: "limit before the reader error", src: func() io.Reader { return io.MultiReader(strings.NewReader("abcdef"), iotest.ErrReader(boom)) }, max: 3, read: "abcd", tooBig: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := csvin.LimitReader(tt.src(), tt.max)
			got, err := io.ReadAll(r)
			if string(got) != tt.read {
				t.Fatalf("read %q, want %q", got, tt.read)
			}
			if !tt.tooBig {
				if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if !reflect.DeepEqual(err, csvin.TooLarge(tt.max)) {
				t.Fatalf("error %v, want TooLarge(%d)", err, tt.max)
			}
			// It stays refused.
			if n, again := r.Read(make([]byte, 8)); n != 0 || !reflect.DeepEqual(again, err) {
				t.Fatalf("Read after the limit = %d, %v", n, again)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	tests := []struct {
		max  int64
		want string
	}{
		{20 << 20, "the file is larger than 20971520 bytes (20 MiB), the limit of one import"},
		{1 << 20, "the file is larger than 1048576 bytes (1 MiB), the limit of one import"},
		{10, "the file is larger than 10 bytes (10 B), the limit of one import"},
	}
	for _, tt := range tests {
		wantBoError(t, csvin.TooLarge(tt.max), bo.ETOOLARGE, "file", tt.want)
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1000, "1000 B"},
		{1023, "1023 B"},
		{1024, "1 KiB"},
		{1025, "1025 B"},
		{16 << 10, "16 KiB"},
		{1536 << 10, "1536 KiB"},
		{1 << 20, "1 MiB"},
		{20 << 20, "20 MiB"},
		{1<<20 + 1, "1048577 B"},
		{5 << 30, "5120 MiB"},
	}
	for _, tt := range tests {
		if got := csvin.FormatSize(tt.n); got != tt.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		src      func() io.Reader
		maxBytes int64
		bom      int64
		records  [][]string // read to the end
		wantErr  error      // Open's error: ErrUTF16, boom or TooLarge
	}{
		{name: "empty", src: func() io.Reader { return strings.NewReader("") }},
		{name: "one byte", src: func() io.Reader { return strings.NewReader("a") }, records: [][]string{{"a"}}},
		{name: "no BOM", src: func() io.Reader { return strings.NewReader("a,b\nc\n") }, records: [][]string{{"a", "b"}, {"c"}}},
		{name: "BOM only", src: func() io.Reader { return strings.NewReader(csvin.BOM) }, bom: 3},
		{name: "BOM", src: func() io.Reader { return strings.NewReader(csvin.BOM + "a,b\r\nc\r\n") }, bom: 3, records: [][]string{{"a", "b"}, {"c"}}},
		{name: "BOM one byte at a time", src: func() io.Reader { return iotest.OneByteReader(strings.NewReader(csvin.BOM + "a\n")) }, bom: 3, records: [][]string{{"a"}}},
		{name: "a BOM later is text", src: func() io.Reader { return strings.NewReader("a\n" + csvin.BOM + "b\n") }, records: [][]string{{"a"}, {csvin.BOM + "b"}}},
		{name: "part of a BOM", src: func() io.Reader { return strings.NewReader("\xEF\xBB") }, records: [][]string{{"\xEF\xBB"}}},
		{name: "UTF-16LE", src: func() io.Reader { return strings.NewReader("\xFF\xFEa\x00") }, wantErr: csvin.ErrUTF16},
		{name: "UTF-16BE", src: func() io.Reader { return strings.NewReader("\xFE\xFF\x00a") }, wantErr: csvin.ErrUTF16},
		{name: "UTF-16 mark only", src: func() io.Reader { return strings.NewReader("\xFF\xFE") }, wantErr: csvin.ErrUTF16},
		{name: "half a UTF-16 mark is text", src: func() io.Reader { return strings.NewReader("\xFF") }, records: [][]string{{"\xFF"}}},
		{name: "read error at once", src: func() io.Reader { return iotest.ErrReader(boom) }, wantErr: boom},
		{name: "read error after one byte", src: func() io.Reader { return io.MultiReader(strings.NewReader("a"), iotest.ErrReader(boom)) }, wantErr: boom},
		{name: "over the limit at once", src: func() io.Reader { return strings.NewReader("abc") }, maxBytes: 1, wantErr: csvin.TooLarge(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxBytes := tt.maxBytes
			if maxBytes == 0 {
				maxBytes = 1 << 20
			}
			c, bom, err := csvin.Open(tt.src(), maxBytes, 4096)
			if tt.wantErr != nil {
				if c != nil || bom != 0 || !(errors.Is(err, tt.wantErr) || reflect.DeepEqual(err, tt.wantErr)) {
					t.Fatalf("Open = %v, %d, %v; want the error %v", c, bom, err, tt.wantErr)
				}
				return
			}
			if err != nil || bom != tt.bom {
				t.Fatalf("Open = %d, %v; want %d, nil", bom, err, tt.bom)
			}
			var got [][]string
			for {
				rec, err := c.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, append([]string(nil), rec...))
			}
			if !reflect.DeepEqual(got, tt.records) {
				t.Fatalf("records %q, want %q", got, tt.records)
			}
		})
	}
}

// TestOpenSettings checks the csv.Reader's settings.
func TestOpenSettings(t *testing.T) {
	c, _, err := csvin.Open(strings.NewReader("a,b,c\nd\ne,\"f\"\"\"\n"), 1<<20, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if c.FieldsPerRecord != -1 || !c.LazyQuotes || !c.ReuseRecord || c.TrimLeadingSpace {
		t.Fatalf("settings %+v", c.Reader)
	}
	first, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(); err != nil {
		t.Fatalf("a shorter record: %v", err)
	}
	if _, err := c.Read(); err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 || first[0] != "e" {
		t.Fatalf("the record slice is not reused: %q", first)
	}
}

// TestQuotes: a quote inside an unquoted field is text; a quoted field is
// read strictly, and one that is malformed refuses the record that holds
// it, naming the line on which the record starts, after the records before.
func TestQuotes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		trim    bool
		records [][]string // before the error, if any
		line    int        // the error's StartLine; 0 for none
	}{
		{name: "formula typed in an editor", in: "a,=HYPERLINK(\"http://x\")\n", records: [][]string{{"a", `=HYPERLINK("http://x")`}}},
		{name: "quotes mid-field", in: "Al \"the\" an,b\r\nc,d\"\n", records: [][]string{{`Al "the" an`, "b"}, {"c", `d"`}}},
		{name: "quoted fields as before", in: "\"a,b\",\"c\"\"d\",\"e\nf\"\r\ng\n", records: [][]string{{"a,b", `c"d`, "e\nf"}, {"g"}}},
		{name: "quoted field, CRLF, no final break", in: "\"a\"\r\n\"b\"", records: [][]string{{"a"}, {"b"}}},
		{name: "text after a closing quote", in: "a\n\n\"b\"x,c\nd\n", records: [][]string{{"a"}}, line: 3},
		{name: "quote never closed", in: "a\n\"b,c\nd,e\n", records: [][]string{{"a"}}, line: 2},
		{name: "quote never closed, no final break", in: "a\nb,\"c", records: [][]string{{"a"}}, line: 2},
		{name: "malformed field of a multi-line record", in: "x\n\"a\nb\"c\n", records: [][]string{{"x"}}, line: 2},
		{name: "leading space kept: a quote is text", in: " \"a\"b\n", records: [][]string{{` "a"b`}}},
		{name: "leading space trimmed: the field is quoted", in: " \"a\"b\n", trim: true, line: 1},
		{name: "leading space trimmed, well formed", in: "  \"a, b\" ,c\n", trim: true, line: 1},
		{name: "leading space trimmed, quoted", in: "  \"a, b\",c\n", trim: true, records: [][]string{{"a, b", "c"}}},
	}
	for _, tt := range tests {
		for _, src := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
			c, _, err := csvin.Open(src, 1<<20, 16)
			if err != nil {
				t.Fatal(err)
			}
			c.TrimLeadingSpace = tt.trim
			var got [][]string
			var rerr error
			for {
				rec, err := c.Read()
				if err != nil {
					rerr = err
					break
				}
				got = append(got, append([]string(nil), rec...))
			}
			if !reflect.DeepEqual(got, tt.records) {
				t.Errorf("%s: records %q, want %q", tt.name, got, tt.records)
			}
			var pe *csv.ParseError
			switch {
			case tt.line == 0 && rerr != io.EOF:
				t.Errorf("%s: error %v, want io.EOF", tt.name, rerr)
			case tt.line != 0 && (!errors.As(rerr, &pe) || pe.StartLine != tt.line || !errors.Is(pe.Err, csv.ErrQuote)):
				t.Errorf("%s: error %v, want csv.ErrQuote starting on line %d", tt.name, rerr, tt.line)
			case tt.line != 0:
				if _, again := c.Read(); again != rerr {
					t.Errorf("%s: Read after the error = %v, want the same error", tt.name, again)
				}
			}
		}
	}
}

func TestBlank(t *testing.T) {
	tests := []struct {
		rec  []string
		want bool
	}{
		{nil, true},
		{[]string{""}, true},
		{[]string{"", " ", "\t", " \r\n "}, true},
		{[]string{"a"}, false},
		{[]string{"", "", " b "}, false},
		{[]string{"\u00a0"}, true}, // no-break space is white space
	}
	for _, tt := range tests {
		if got := csvin.Blank(tt.rec); got != tt.want {
			t.Errorf("Blank(%q) = %v, want %v", tt.rec, got, tt.want)
		}
	}
}

func TestHeaderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Email", "email"},
		{"  Full   Name ", "full name"},
		{"\tEXTERNAL\t ID\n", "external id"},
		{"Email Domains", "email domains"},
		{"É", "é"},
	}
	for _, tt := range tests {
		if got := csvin.HeaderKey(tt.in); got != tt.want {
			t.Errorf("HeaderKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckText(t *testing.T) {
	hasCR := func(s string) bool { return strings.Contains(s, "\r") }
	tests := []struct {
		name   string
		rec    []string
		bareCR func(string) bool
		want   error // nil, ErrBareCR or NotUTF8(7)
	}{
		{"empty record", nil, hasCR, nil},
		{"UTF-8", []string{"Ada", "Bücher", "日本"}, hasCR, nil},
		{"not UTF-8", []string{"Ada", "Jos\xe9"}, hasCR, csvin.NotUTF8(7)},
		{"bare CR", []string{"Ada\rAlan"}, hasCR, csvin.ErrBareCR},
		{"CR without a check", []string{"Ada\rAlan"}, nil, nil},
		{"not UTF-8 without a CR check", []string{"Ada\r", "\xff"}, nil, csvin.NotUTF8(7)},
		{"the first field at fault counts: CR", []string{"a\r", "\xff"}, hasCR, csvin.ErrBareCR},
		{"the first field at fault counts: UTF-8", []string{"\xff", "a\r"}, hasCR, csvin.NotUTF8(7)},
		{"not UTF-8 and a CR in one field", []string{"\xff\r"}, hasCR, csvin.NotUTF8(7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := csvin.CheckText(tt.rec, 7, tt.bareCR); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("CheckText = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name             string
		err              error
		code, field, msg string
	}{
		{"NotUTF8", csvin.NotUTF8(12), bo.EINVALID, "line 12", `line 12: the text is not UTF-8; save the file as "CSV UTF-8"`},
		{"Invalid", csvin.Invalid("header", "no header"), bo.EINVALID, "header", "no header"},
		{"TooMany rows", csvin.TooMany(100000, "rows"), bo.ETOOLARGE, "file", "the file has more than 100000 rows, the limit of one import; split it into several files"},
		{"TooMany domains", csvin.TooMany(3, "domains"), bo.ETOOLARGE, "file", "the file has more than 3 domains, the limit of one import; split it into several files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantBoError(t, tt.err, tt.code, tt.field, tt.msg)
		})
	}
}

// parseError returns the error csv gives for in.
func parseError(t *testing.T, in string) error {
	t.Helper()
	c := csv.NewReader(strings.NewReader(in))
	for {
		_, err := c.Read()
		if err != nil {
			return err
		}
	}
}

func TestConvert(t *testing.T) {
	boom := errors.New("boom")
	tooLarge := csvin.TooLarge(10)
	hint := func(pe *csv.ParseError) string { return fmt.Sprintf(" (hint %d:%d)", pe.Line, pe.Column) }
	tests := []struct {
		name string
		err  error
		hint func(*csv.ParseError) string
		want error // compared with reflect.DeepEqual
	}{
		{name: "EOF", err: io.EOF, want: io.EOF},
		{name: "wrapped EOF", err: fmt.Errorf("x: %w", io.EOF), want: io.EOF},
		{name: "backoffice error", err: tooLarge, want: tooLarge},
		{name: "wrapped backoffice error", err: fmt.Errorf("x: %w", tooLarge), want: tooLarge},
		{name: "UTF-16", err: csvin.ErrUTF16, want: csvin.Invalid("header", `the file is UTF-16 text; save it as "CSV UTF-8"`)},
		{name: "bare CR", err: csvin.ErrBareCR, want: csvin.Invalid("header", `the file's lines end with a bare carriage return; save it as "CSV UTF-8"`)},
		{
			name: "bare quote", err: parseError(t, "a\nb\"c\n"),
			want: csvin.Invalid("line 2", `line 2: malformed CSV: bare " in non-quoted-field`),
		},
		{
			name: "bare quote with a hint", err: parseError(t, "a\nb\"c\n"), hint: hint,
			want: csvin.Invalid("line 2", `line 2: malformed CSV: bare " in non-quoted-field (hint 2:2)`),
		},
		{
			name: "quote never closed: the line it starts on", err: parseError(t, "a\n\"b\nc\nd\n"), hint: hint,
			want: csvin.Invalid("line 2", `line 2: malformed CSV: extraneous or missing " in quoted-field (hint 4:3)`),
		},
		{name: "read error", err: boom, want: fmt.Errorf("read import file: %w", boom)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := csvin.Convert(tt.err, "header", "import file", tt.hint)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Convert(%v) =\n%#v\nwant\n%#v", tt.err, got, tt.want)
			}
		})
	}
	// A read error stays internal, and is still the reader's.
	got := csvin.Convert(boom, "file", "whitelist import file", nil)
	if !errors.Is(got, boom) || bo.ErrorCode(got) != bo.EINTERNAL || got.Error() != "read whitelist import file: boom" {
		t.Fatalf("Convert(boom) = %v", got)
	}
}

func TestSticky(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		steps []error // what next returns, call by call
		want  []error // what Sticky returns, call by call
		calls int     // how many times next is called
	}{
		{"no error", []error{nil, nil, nil}, []error{nil, nil, nil}, 3},
		{"an error sticks", []error{nil, boom, nil}, []error{nil, boom, boom, boom}, 2},
		{"io.EOF sticks", []error{nil, io.EOF, nil}, []error{nil, io.EOF, io.EOF}, 2},
		{"at once", []error{boom}, []error{boom, boom}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var saved error
			calls := 0
			next := func() (int, error) {
				err := tt.steps[calls]
				calls++
				return calls, err
			}
			for i, want := range tt.want {
				v, err := csvin.Sticky(&saved, next)
				if err != want {
					t.Fatalf("call %d: error %v, want %v", i+1, err, want)
				}
				if err != nil && saved != err {
					t.Fatalf("call %d: saved %v, want %v", i+1, saved, err)
				}
				if err == nil && v != i+1 || err != nil && i >= tt.calls && v != 0 {
					t.Fatalf("call %d: value %d", i+1, v)
				}
			}
			if calls != tt.calls {
				t.Fatalf("next called %d times, want %d", calls, tt.calls)
			}
		})
	}
}
