package env_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/app/env"
)

type common struct {
	Table    string `env:"TABLE_NAME"`
	LogLevel string `env:"LOG_LEVEL" default:"info"`
}

type settings struct {
	common
	Queue     string        `env:"QUEUE_URL"`
	ConfigSet string        `env:"CONFIG_SET,optional"`
	Rate      int           `env:"RATE,optional"`
	Workers   int           `env:"WORKERS" default:"2"`
	Dry       bool          `env:"DRY" default:"false"`
	Wait      time.Duration `env:"WAIT" default:"30s"`
	untagged  string
}

// Validate reports a WORKERS below 1.
func (s settings) Validate() []string {
	if s.Workers < 1 {
		return []string{fmt.Sprintf("WORKERS=%d must be at least 1", s.Workers)}
	}
	return nil
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name        string
		vars        map[string]string
		want        settings
		wantMissing []string
		wantInvalid []string
	}{
		{
			name: "required set, the rest defaulted",
			vars: map[string]string{"TABLE_NAME": "t", "QUEUE_URL": "q"},
			want: settings{common: common{Table: "t", LogLevel: "info"}, Queue: "q", Workers: 2, Wait: 30 * time.Second},
		},
		{
			name: "every variable set, trimmed",
			vars: map[string]string{"TABLE_NAME": " t ", "QUEUE_URL": "q", "LOG_LEVEL": "debug", "CONFIG_SET": "cs",
				"RATE": "14", "WORKERS": "5", "DRY": "true", "WAIT": "1m"},
			want: settings{common: common{Table: "t", LogLevel: "debug"}, Queue: "q", ConfigSet: "cs", Rate: 14, Workers: 5,
				Dry: true, Wait: time.Minute},
		},
		{
			name:        "every missing variable at once, embedded first",
			vars:        map[string]string{"QUEUE_URL": "  "},
			want:        settings{common: common{LogLevel: "info"}, Workers: 2, Wait: 30 * time.Second},
			wantMissing: []string{"TABLE_NAME", "QUEUE_URL"},
		},
		{
			name:        "malformed values and the struct's own checks",
			vars:        map[string]string{"TABLE_NAME": "t", "QUEUE_URL": "q", "RATE": "fast", "WORKERS": "0", "DRY": "maybe"},
			want:        settings{common: common{Table: "t", LogLevel: "info"}, Queue: "q", Wait: 30 * time.Second},
			wantInvalid: []string{`RATE="fast" is not an integer`, `DRY="maybe" is not a boolean`, "WORKERS=0 must be at least 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got settings
			r := env.NewFrom(env.Map(tt.vars))
			r.Load(&got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			err := r.Err()
			if tt.wantMissing == nil && tt.wantInvalid == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *env.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *env.Error", err)
			}
			if !slices.Equal(e.Missing, tt.wantMissing) || !slices.Equal(e.Invalid, tt.wantInvalid) {
				t.Errorf("got missing %q invalid %q, want %q and %q", e.Missing, e.Invalid, tt.wantMissing, tt.wantInvalid)
			}
		})
	}
}

func TestNamesListEveryVariableOnce(t *testing.T) {
	all := []string{"TABLE_NAME", "LOG_LEVEL", "QUEUE_URL", "CONFIG_SET", "RATE", "WORKERS", "DRY", "WAIT"}
	if got := env.Names(settings{}); !slices.Equal(got, all) {
		t.Errorf("Names: got %v, want %v", got, all)
	}
	if got := env.Names(&settings{}); !slices.Equal(got, all) {
		t.Errorf("Names of a pointer: got %v, want %v", got, all)
	}
	if got, want := env.Required(settings{}), []string{"TABLE_NAME", "QUEUE_URL"}; !slices.Equal(got, want) {
		t.Errorf("Required: got %v, want %v", got, want)
	}
}

func TestLoadRejectsWhatIsNotASettingsStruct(t *testing.T) {
	for name, dst := range map[string]any{
		"not a pointer":  settings{},
		"pointer to int": new(int),
		"unsupported type": &struct {
			F float64 `env:"F"`
		}{},
		"bad default": &struct {
			N int `env:"N" default:"x"`
		}{},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			env.NewFrom(env.Map(nil)).Load(dst)
		})
	}
}
