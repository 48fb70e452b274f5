package backoffice_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestRemoveEachReportsEveryEmail(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	errs := map[string]error{
		"gone@x.com":   bo.Errorf(bo.ENOTFOUND, "no invitation"),
		"broken@x.com": errors.New("throttled"),
	}
	var tried []string
	got, err := bo.RemoveEach(context.Background(), log, "remove invitation", []string{"a@x.com", "gone@x.com", "broken@x.com"},
		func(_ context.Context, email string) error {
			tried = append(tried, email)
			return errs[email]
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []bo.Removal{
		{Email: "a@x.com", Removed: true},
		{Email: "gone@x.com", Reason: "no invitation"},
		{Email: "broken@x.com", Reason: "internal error"},
	}
	if !reflect.DeepEqual(got, want) || len(tried) != 3 {
		t.Errorf("got %+v after %v, want %+v", got, tried, want)
	}
	if !strings.Contains(logs.String(), "throttled") || strings.Contains(logs.String(), "gone@x.com") {
		t.Errorf("logs %s: want the internal error only", logs.String())
	}
}

func TestRemoveEachRefusesEmptyAndOversizedLists(t *testing.T) {
	for _, n := range []int{0, bo.MaxRemovals + 1} {
		emails := make([]string, n)
		called := false
		_, err := bo.RemoveEach(context.Background(), slog.New(slog.DiscardHandler), "remove", emails,
			func(context.Context, string) error { called = true; return nil })
		if bo.ErrorCode(err) != bo.EINVALID || called {
			t.Errorf("%d emails: err %v, called %v; want EINVALID and nothing removed", n, err, called)
		}
	}
}
