package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestLoadConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadAdmin(env.NewFrom(env.Map(map[string]string{"LOG_LEVEL": "debug"})))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "WORK_QUEUE_URL", "FILES_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error = %v, want %s named", err, name)
		}
	}
	c, level, err := wire.ReadAdmin(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t", "LEARNER_APP_URL": "https://l",
		"WORK_QUEUE_URL": "q", "FILES_BUCKET": "b"})))
	if err != nil || c.Table != "t" || level != "info" {
		t.Fatalf("config = %+v, %v", c, err)
	}
}

func TestAuditRetentionIsReadAndChecked(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "LEARNER_APP_URL": "https://l", "WORK_QUEUE_URL": "q", "FILES_BUCKET": "b"}
	c, _, err := wire.ReadAdmin(env.NewFrom(env.Map(base)))
	if err != nil || c.AuditRetentionDays != 400 {
		t.Fatalf("default retention %v, %v", c.AuditRetentionDays, err)
	}
	base["AUDIT_RETENTION_DAYS"] = "30"
	if c, _, err = wire.ReadAdmin(env.NewFrom(env.Map(base))); err != nil || c.AuditRetentionDays != 30 {
		t.Fatalf("retention %v, %v", c.AuditRetentionDays, err)
	}
	for _, bad := range []string{"0", "-5", "a year"} {
		base["AUDIT_RETENTION_DAYS"] = bad
		if _, _, err := wire.ReadAdmin(env.NewFrom(env.Map(base))); err == nil || !strings.Contains(err.Error(), "AUDIT_RETENTION_DAYS") {
			t.Errorf("AUDIT_RETENTION_DAYS=%s: %v", bad, err)
		}
	}
}

// newTestHandler returns the function's handler on a fresh table of the emulator.
func newTestHandler(t *testing.T) httpapi.Handler {
	t.Helper()
	cfg := emulatortest.Config(t)
	table := emulatortest.NewTable(t, cfg)
	c := wire.AdminConfig{Base: wire.Base{Table: table}, LearnerAppURL: "https://learn.example.com",
		WorkQueueURL: "https://sqs.invalid/none", FilesBucket: "no-such-bucket"}
	return wire.Admin(cfg, c, slog.New(slog.DiscardHandler))
}

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "admin", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// TestSampleEvents replays every sample event of events/admin through the
// handler on a fresh table.
func TestSampleEvents(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct {
		file   string
		status int
		want   string
	}{
		{"health.json", 200, `"status":"ok"`},
		{"create-org.json", 201, `"email":"Dean@acme.edu"`},
		{"create-contract-unknown-field.json", 400, `"field":"seats"`},
		// Someone who is no admin of the org reads none of its log.
		{"list-audit.json", 403, `"code":"forbidden"`},
		// The public logo route, as a mail client's image proxy calls it,
		// without a token: this org (none, on a fresh table) has no logo.
		{"org-logo.json", 404, `"code":"not_found"`},
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "admin", "*.json"))
	if len(files) != len(tests) {
		t.Fatalf("events/admin has %d samples, the test knows %d: add the new ones here", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := h(context.Background(), loadEvent(t, tt.file))
			if err != nil {
				t.Fatalf("Go error: %v", err)
			}
			if res.StatusCode != tt.status || !strings.Contains(res.Body, tt.want) {
				t.Fatalf("got %d %s, want %d with %s", res.StatusCode, res.Body, tt.status, tt.want)
			}
		})
	}
}
