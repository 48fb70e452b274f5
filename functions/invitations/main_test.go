package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
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
	h := wire.Invitations(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadInvitations), slog.New(slog.DiscardHandler))
	w.Replay(t, "invitations", h, []wiretest.Case{
		{File: "invite.json", Status: 201, Want: []string{`"email":"Ada@acme.edu"`, `"emailQueued":true`, `"externalId":"E-1001"`}},
		{File: "list.json", Status: 200, Want: []string{`"items":[{`, `"state":"INVITED"`}},
		{File: "import-dry-run.json", Status: 202, Want: []string{`"status":"queued"`, `"dryRun":true`}},
	})
}
