package backoffice_test

import (
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestTextProblem(t *testing.T) {
	tests := []struct {
		name, in  string
		multiline bool
		want      string
	}{
		{"plain", "Acme University", false, ""},
		{"accents", "Université de Genève — ß", false, ""},
		{"NUL", "Acme\x00", false, "must not contain control characters (U+0000)"},
		{"escape", "\x1b[31mAcme", false, "must not contain control characters (U+001B)"},
		{"DEL", "Ac\x7fme", false, "must not contain control characters (U+007F)"},
		{"C1", "Ac\u0085me", false, "must not contain control characters (U+0085)"},
		{"tab in a name", "Ac\tme", false, "must not contain control characters (U+0009)"},
		{"newline in a name", "Ac\nme", false, "must be on one line"},
		{"line separator", "Ac\u2028me", false, "must be on one line"},
		{"bad UTF-8", "Ac\xffme", false, "is not valid UTF-8 text"},
		{"tab and newline in content", "Hello,\n\tthere\r\n", true, ""},
		{"NUL in content", "Hello\x00", true, "must not contain control characters (U+0000)"},
		{"bell in content", "Hello\a", true, "must not contain control characters (U+0007)"},
	}
	for _, tt := range tests {
		if got := bo.TextProblem(tt.in, tt.multiline); got != tt.want {
			t.Errorf("%s: TextProblem(%q, %v) = %q, want %q", tt.name, tt.in, tt.multiline, got, tt.want)
		}
	}
}
