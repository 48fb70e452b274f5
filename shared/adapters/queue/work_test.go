package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/learnops/backoffice/shared/adapters/queue"
)

func TestKindsDispatchesOnKind(t *testing.T) {
	var got []string
	record := func(name string) func(context.Context, string) error {
		return func(_ context.Context, body string) error {
			got = append(got, name+" "+body)
			return nil
		}
	}
	failing := errors.New("boom")
	kinds := queue.Kinds{
		"delete-program": record("delete"),
		"member-export":  record("export"),
		"broken":         func(context.Context, string) error { return failing },
	}
	tests := []struct {
		body    string
		want    string // the call made, "" for none
		wantErr string
	}{
		{body: `{"kind":"delete-program","programId":"p"}`, want: `delete {"kind":"delete-program","programId":"p"}`},
		{body: `{"kind":"member-export","exportId":"e"}`, want: `export {"kind":"member-export","exportId":"e"}`},
		{body: `{"kind":"broken"}`, wantErr: "boom"},
		{body: `{"kind":"unknown"}`, wantErr: `no handler for its kind "unknown"`},
		{body: `{}`, wantErr: `no handler for its kind ""`},
		{body: `not json`, wantErr: "is not JSON"},
	}
	for _, tt := range tests {
		got = nil
		err := kinds.Handle(context.Background(), tt.body)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.body, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one with %q", tt.body, err, tt.wantErr)
		}
		if want := tt.want; (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
			t.Errorf("%s: calls %q, want %q", tt.body, got, want)
		}
	}
}
