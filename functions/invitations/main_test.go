package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/env"
	"github.com/learnops/backoffice/shared/wire"
	"github.com/learnops/backoffice/shared/wire/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadInvitations(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleEvents replays every sample event of events/invitations through
// the function's handler, wired as in AWS, on a fresh world.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 10)
	h := wire.Invitations(w.AWS, w.Conf, slog.New(slog.DiscardHandler))
	tests := []struct {
		name   string
		status int
		want   []string
	}{
		{"invite.json", 201, []string{`"email":"Ada@acme.edu"`, `"emailQueued":true`, `"externalId":"E-1001"`}},
		{"list.json", 200, []string{`"items":[{`, `"state":"INVITED"`}},
		{"import-dry-run.json", 202, []string{`"status":"queued"`, `"dryRun":true`}},
	}
	if got := wiretest.Samples(t, "invitations"); len(got) != len(tests) {
		t.Fatalf("events/invitations has %v; the test knows %d: add the new ones here", got, len(tests))
	}
	for _, tt := range tests {
		var ev events.APIGatewayV2HTTPRequest
		w.Event(t, "invitations", tt.name, &ev, nil)
		res, err := h(context.Background(), ev)
		if err != nil {
			t.Fatalf("%s: Go error %v", tt.name, err)
		}
		if res.StatusCode != tt.status {
			t.Fatalf("%s: status %d, want %d: %s", tt.name, res.StatusCode, tt.status, res.Body)
		}
		for _, want := range tt.want {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: body %s lacks %s", tt.name, res.Body, want)
			}
		}
		if !json.Valid([]byte(res.Body)) {
			t.Errorf("%s: body is not JSON", tt.name)
		}
	}
}
