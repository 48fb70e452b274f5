// Package env reads a function's configuration from its environment once, at
// start-up, and reports everything that is missing or malformed in one error,
// so that a misconfigured deployment fails on its first invocation with the
// whole list rather than one variable at a time. It also sets up the JSON
// logger every function writes with.
package env

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables and collects what is wrong with them. The zero value
// is not usable; use New or NewFrom.
//
//	r := env.New()
//	table := r.Required("TABLE_NAME")
//	level := r.Optional("LOG_LEVEL", "info")
//	if err := r.Err(); err != nil { ... }
type Reader struct {
	lookup  func(string) (string, bool)
	missing []string
	invalid []string
}

// New returns a Reader over the process environment.
func New() *Reader { return NewFrom(os.LookupEnv) }

// NewFrom returns a Reader over lookup, which has the signature of
// os.LookupEnv; tests pass a map's lookup.
func NewFrom(lookup func(string) (string, bool)) *Reader {
	return &Reader{lookup: lookup}
}

// Map returns a lookup function over m, for NewFrom.
func Map(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// value returns the trimmed value of name and whether it is set to something
// other than blanks.
func (r *Reader) value(name string) (string, bool) {
	v, ok := r.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Required returns the value of name, trimmed. An unset or blank variable is
// recorded as missing (reported by Err) and "" is returned.
func (r *Reader) Required(name string) string {
	v, ok := r.value(name)
	if !ok {
		r.missing = append(r.missing, name)
	}
	return v
}

// Optional returns the value of name, trimmed, or def when it is unset or blank.
func (r *Reader) Optional(name, def string) string {
	if v, ok := r.value(name); ok {
		return v
	}
	return def
}

// Int returns the value of name as a decimal integer, or def when it is unset
// or blank. A value that is not an integer is recorded as invalid (reported
// by Err) and def is returned.
func (r *Reader) Int(name string, def int) int {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.invalid = append(r.invalid, fmt.Sprintf("%s=%q is not an integer", name, v))
		return def
	}
	return n
}

// Invalid records that name's value is invalid for the reason given
// (reported by Err), for checks beyond parsing.
func (r *Reader) Invalid(name, format string, args ...any) {
	v, _ := r.value(name)
	r.invalid = append(r.invalid, fmt.Sprintf("%s=%q %s", name, v, fmt.Sprintf(format, args...)))
}

// Bool returns the value of name as a boolean (as strconv.ParseBool reads
// it), or def when it is unset or blank. Anything else is recorded as invalid
// and def is returned.
func (r *Reader) Bool(name string, def bool) bool {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.invalid = append(r.invalid, fmt.Sprintf("%s=%q is not a boolean", name, v))
		return def
	}
	return b
}

// Duration returns the value of name as a time.Duration ("30s", "5m"), or
// def when it is unset or blank. Anything else is recorded as invalid and def
// is returned.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.invalid = append(r.invalid, fmt.Sprintf("%s=%q is not a duration", name, v))
		return def
	}
	return d
}

// Err returns nil when every required variable was set and every typed one
// parsed, and otherwise an *Error naming every missing and every invalid
// variable read so far.
func (r *Reader) Err() error {
	if len(r.missing) == 0 && len(r.invalid) == 0 {
		return nil
	}
	return &Error{Missing: slices.Clone(r.missing), Invalid: slices.Clone(r.invalid)}
}

// Error is the configuration error Err returns.
type Error struct {
	// Missing names the required variables that are unset or blank, in the
	// order they were read.
	Missing []string
	// Invalid describes each variable whose value could not be parsed.
	Invalid []string
}

// Error implements the error interface:
// "environment: missing required variables A, B; invalid: N="x" is not an integer".
func (e *Error) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required variables "+strings.Join(e.Missing, ", "))
	}
	if len(e.Invalid) > 0 {
		parts = append(parts, "invalid: "+strings.Join(e.Invalid, ", "))
	}
	return "environment: " + strings.Join(parts, "; ")
}

// ParseLevel returns the slog level named by s ("debug", "info", "warn" or
// "warning", "error", in any case), and false with slog.LevelInfo for anything
// else.
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, true
	case "info", "":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// Logger returns a JSON logger writing to standard output (which Lambda sends
// to CloudWatch Logs) at the named level; see LoggerTo.
func Logger(level string) *slog.Logger { return LoggerTo(os.Stdout, level) }

// LoggerTo returns a JSON logger writing to w at the named level. An unknown
// level logs at info, and the logger's first record says so rather than
// failing start-up over a log setting.
func LoggerTo(w io.Writer, level string) *slog.Logger {
	l, ok := ParseLevel(level)
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
	if !ok {
		logger.Warn("unknown log level, logging at info", "level", level)
	}
	return logger
}
