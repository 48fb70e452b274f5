package backoffice

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// TextProblem returns why s may not be stored as text that people read
// (a name, a subject, a message), or "" when it may: it must be valid UTF-8
// and hold no control character (NUL, escape, DEL, the C1 controls) nor a
// line or paragraph separator. Tab, newline and carriage return are allowed
// only when multiline is true (message content, an invitation message).
// The problem is a predicate for a FieldError ("must not contain control
// characters (U+0000)").
func TextProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	for _, c := range s {
		switch {
		case multiline && (c == '\t' || c == '\n' || c == '\r'):
		case c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029':
			return "must be on one line"
		case unicode.IsControl(c):
			return fmt.Sprintf("must not contain control characters (%U)", c)
		}
	}
	return ""
}

// CheckText records on v the problem TextProblem finds with field's value s.
func CheckText(v *Validation, field, s string, multiline bool) {
	if p := TextProblem(s, multiline); p != "" {
		v.Add(field, "%s", p)
	}
}
