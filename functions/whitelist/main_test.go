package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/env"
	"github.com/learnops/backoffice/shared/wire"
	"github.com/learnops/backoffice/shared/wire/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadAdmin(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleEvents replays every sample event of events/whitelist through
// the function's handler, wired as in AWS, on a fresh world.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 10)
	h := wire.Whitelist(w.AWS, w.Conf, slog.New(slog.DiscardHandler))
	tests := []struct {
		name   string
		status int
		want   []string
	}{
		{"add-domain.json", 201, []string{`"domain":"acme.edu"`, `"display":"ACME.edu"`}},
		{"import-domains.json", 200, []string{`"added":1`, `"skipped":3`, `"outcome":"public_domain"`, `"outcome":"already_whitelisted"`}},
		{"list-domains.json", 200, []string{`"items":[{`, `"domain":"beta.edu"`}},
	}
	if got := wiretest.Samples(t, "whitelist"); len(got) != len(tests) {
		t.Fatalf("events/whitelist has %v; the test knows %d: add the new ones here", got, len(tests))
	}
	for _, tt := range tests {
		var ev events.APIGatewayV2HTTPRequest
		w.Event(t, "whitelist", tt.name, &ev, nil)
		res, err := h(context.Background(), ev)
		if err != nil || res.StatusCode != tt.status {
			t.Fatalf("%s: %d %s (%v), want %d", tt.name, res.StatusCode, res.Body, err, tt.status)
		}
		for _, want := range tt.want {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: body %s lacks %s", tt.name, res.Body, want)
			}
		}
	}
}
