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
	_, _, err := wire.ReadWhitelist(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleEvents replays every sample event of events/whitelist through
// the function's handler, wired as in AWS, on a fresh world.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 10)
	h := wire.Whitelist(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadWhitelist), slog.New(slog.DiscardHandler))
	w.Replay(t, "whitelist", h, []wiretest.Case{
		{File: "add-domain.json", Status: 201, Want: []string{`"domain":"acme.edu"`, `"display":"ACME.edu"`}},
		{File: "import-domains.json", Status: 200, Want: []string{`"added":1`, `"skipped":3`, `"outcome":"public_domain"`, `"outcome":"already_whitelisted"`}},
		{File: "list-domains.json", Status: 200, Want: []string{`"items":[{`, `"domain":"beta.edu"`}},
	})
}
