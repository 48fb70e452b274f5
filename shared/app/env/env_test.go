package env_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/app/env"
)

func TestReader(t *testing.T) {
	tests := []struct {
		name        string
		vars        map[string]string
		read        func(r *env.Reader) []any
		want        []any
		wantMissing []string
		wantInvalid int
	}{
		{
			name: "required set, optional defaulted",
			vars: map[string]string{"TABLE_NAME": "backoffice"},
			read: func(r *env.Reader) []any {
				return []any{r.Required("TABLE_NAME"), r.Optional("LOG_LEVEL", "info")}
			},
			want: []any{"backoffice", "info"},
		},
		{
			name: "values are trimmed and optional set",
			vars: map[string]string{"TABLE_NAME": "  t1 \n", "LOG_LEVEL": " debug "},
			read: func(r *env.Reader) []any {
				return []any{r.Required("TABLE_NAME"), r.Optional("LOG_LEVEL", "info")}
			},
			want: []any{"t1", "debug"},
		},
		{
			name: "every missing required variable is named, blank counts as missing",
			vars: map[string]string{"QUEUE_URL": "   ", "BUCKET": "b"},
			read: func(r *env.Reader) []any {
				return []any{r.Required("TABLE_NAME"), r.Required("QUEUE_URL"), r.Required("BUCKET"), r.Required("SENDER")}
			},
			want:        []any{"", "", "b", ""},
			wantMissing: []string{"TABLE_NAME", "QUEUE_URL", "SENDER"},
		},
		{
			name: "blank optional falls back to the default",
			vars: map[string]string{"LOG_LEVEL": ""},
			read: func(r *env.Reader) []any { return []any{r.Optional("LOG_LEVEL", "warn")} },
			want: []any{"warn"},
		},
		{
			name: "typed values parse",
			vars: map[string]string{"RATE": "14", "DRY": "true", "WAIT": "90s"},
			read: func(r *env.Reader) []any {
				return []any{r.Int("RATE", 1), r.Bool("DRY", false), r.Duration("WAIT", time.Second)}
			},
			want: []any{14, true, 90 * time.Second},
		},
		{
			name: "typed values default when unset",
			vars: map[string]string{},
			read: func(r *env.Reader) []any {
				return []any{r.Int("RATE", 1), r.Bool("DRY", true), r.Duration("WAIT", time.Second)}
			},
			want: []any{1, true, time.Second},
		},
		{
			name: "malformed typed values are reported with the missing ones",
			vars: map[string]string{"RATE": "fast", "DRY": "maybe", "WAIT": "soon"},
			read: func(r *env.Reader) []any {
				return []any{r.Int("RATE", 1), r.Bool("DRY", false), r.Duration("WAIT", time.Second), r.Required("TABLE_NAME")}
			},
			want:        []any{1, false, time.Second, ""},
			wantMissing: []string{"TABLE_NAME"},
			wantInvalid: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.NewFrom(env.Map(tt.vars))
			got := tt.read(r)
			if !slices.Equal(got, tt.want) {
				t.Errorf("values = %v, want %v", got, tt.want)
			}
			err := r.Err()
			if tt.wantMissing == nil && tt.wantInvalid == 0 {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			var envErr *env.Error
			if !errors.As(err, &envErr) {
				t.Fatalf("Err() = %v, want *env.Error", err)
			}
			if !slices.Equal(envErr.Missing, tt.wantMissing) {
				t.Errorf("Missing = %v, want %v", envErr.Missing, tt.wantMissing)
			}
			if len(envErr.Invalid) != tt.wantInvalid {
				t.Errorf("Invalid = %v, want %d entries", envErr.Invalid, tt.wantInvalid)
			}
		})
	}
}

func TestErrorNamesEveryVariable(t *testing.T) {
	r := env.NewFrom(env.Map(map[string]string{"N": "x"}))
	r.Required("A")
	r.Required("B")
	r.Int("N", 0)
	want := `environment: missing required variables A, B; invalid: N="x" is not an integer`
	if got := r.Err().Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in     string
		want   slog.Level
		wantOK bool
	}{
		{"debug", slog.LevelDebug, true},
		{"INFO", slog.LevelInfo, true},
		{"", slog.LevelInfo, true},
		{"warn", slog.LevelWarn, true},
		{"Warning", slog.LevelWarn, true},
		{" error ", slog.LevelError, true},
		{"verbose", slog.LevelInfo, false},
	}
	for _, tt := range tests {
		got, ok := env.ParseLevel(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestLoggerWritesJSONAtLevel(t *testing.T) {
	var buf bytes.Buffer
	logger := env.LoggerTo(&buf, "warn")
	logger.Info("dropped")
	logger.Warn("kept", "n", 1)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("want exactly one JSON record, got %q: %v", buf.String(), err)
	}
	if rec["msg"] != "kept" || rec["level"] != "WARN" || rec["n"] != float64(1) {
		t.Errorf("record = %v", rec)
	}

	buf.Reset()
	env.LoggerTo(&buf, "loud").Info("x")
	if !bytes.Contains(buf.Bytes(), []byte("unknown log level")) {
		t.Errorf("an unknown level should be reported, got %q", buf.String())
	}
}
