package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadMembers(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL", "FILES_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleEvents replays events/members on a program with two members:
// the view, an export and a resend of the pending invitation created and
// run by the worker, then removals.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	wiretest.Member(t, w, "jo@acme.edu")
	wiretest.Member(t, w, "ann@acme.edu")
	h := wire.Members(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadMembers), slog.New(slog.DiscardHandler))

	// An export, created as the sample asks and run by the worker.
	var create events.APIGatewayV2HTTPRequest
	w.Event(t, "members", "create-export.json", &create, nil)
	res, err := h(t.Context(), create)
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("create an export: %d %s, %v", res.StatusCode, res.Body, err)
	}
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(res.Body), &created); err != nil || created.ID == "" {
		t.Fatalf("create an export: %s", res.Body)
	}
	if want := "/v1/orgs/" + w.Org.ID + "/programs/" + w.Program.ID + "/member-exports/" + created.ID; res.Headers["location"] != want {
		t.Errorf("Location %q, want %q", res.Headers["location"], want)
	}
	// A personal-data export of kim@acme.edu and an erasure of
	// lee@acme.edu (an erasure deletes its person's exports), neither a
	// learner here: both run and find nothing.
	jobs := map[string]string{}
	for f, person := range map[string]string{"request-data-export.json": "kim", "request-erasure.json": "lee"} {
		var ev events.APIGatewayV2HTTPRequest
		w.Event(t, "members", f, &ev, map[string]string{"kim": person})
		res, err := h(t.Context(), ev)
		var job struct{ ID string }
		if err != nil || res.StatusCode != 202 || json.Unmarshal([]byte(res.Body), &job) != nil || job.ID == "" {
			t.Fatalf("%s: %d %s, %v", f, res.StatusCode, res.Body, err)
		}
		jobs[f] = job.ID
	}
	if ran := w.Work(t, wire.Worker(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadWorker), slog.New(slog.DiscardHandler))); ran != 3 {
		t.Fatalf("the worker ran %d items, want the member export's, the data export's and the erasure's", ran)
	}

	// A resend of every pending invitation, created as the sample asks
	// and run by the worker: the invitee gets their invitation again.
	wiretest.Invitee(t, w, "cy@acme.edu", time.Now().UTC().Add(-time.Hour))
	var resend events.APIGatewayV2HTTPRequest
	w.Event(t, "members", "create-resend.json", &resend, nil)
	res, err = h(t.Context(), resend)
	var resendJob struct{ ID string }
	if err != nil || res.StatusCode != 202 || json.Unmarshal([]byte(res.Body), &resendJob) != nil || resendJob.ID == "" {
		t.Fatalf("create a resend: %d %s, %v", res.StatusCode, res.Body, err)
	}
	if ran := w.Work(t, wire.Worker(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadWorker), slog.New(slog.DiscardHandler))); ran != 1 {
		t.Fatalf("the worker ran %d items, want the resend's 1", ran)
	}

	w.Replay(t, "members", h, []wiretest.Case{
		{File: "list.json", Status: 200, Want: []string{`"email":"ann@acme.edu"`, `"email":"jo@acme.edu"`, `"read":2`}},
		{File: "count.json", Status: 200, Want: []string{`"count":0`}},
		{File: "get-member.json", Status: 200, Want: []string{`"email":"ann@acme.edu"`, `"enrollmentItems":[`}},
		{File: "picked-csv.json", Status: 200, Want: []string{"Learner,Email,Status,Contracts", "jo@acme.edu,MEMBER,"}},
		{File: "users.json", Status: 200, Want: []string{`"email":"ann@acme.edu"`, `"programId":"` + w.Program.ID + `"`}},
		{File: "create-export.json", Status: 202, Want: []string{`"status":"queued"`, `"rows":0`,
			`"selection":{"status":"joined","sort":"email","order":"desc","columns":["joinDate","status","currentEnrollments"]}`}},
		{File: "get-export.json", Replace: map[string]string{"exp_x": created.ID}, Status: 200, Want: []string{`"id":"` + created.ID + `"`,
			`"status":"done"`, `"rows":2`, `"downloadUrl":"http`, "members-" + w.Program.Slug + "-", `"downloadExpiresAt":`, `"expiresAt":`}},
		{File: "get-export.json", Status: 404, Want: []string{`"code":"not_found"`}},
		{File: "get-resend.json", Replace: map[string]string{"rsd_x": resendJob.ID}, Status: 200, Want: []string{`"id":"` + resendJob.ID + `"`,
			`"status":"done"`, `"considered":1`, `"resent":1`, `"skipped":{}`}},
		{File: "get-resend.json", Status: 404, Want: []string{`"code":"not_found"`}},
		{File: "create-resend.json", Status: 202, Want: []string{`"status":"queued"`, `"considered":0`, `"selection":{}`}},
		{File: "remove.json", Status: 200, Want: []string{`"state":"DELETED_MEMBER"`, `"allowReturn":true`, `"removedAt":`}},
		{File: "remove.json", Status: 409, Want: []string{`"code":"conflict"`}},
		{File: "request-data-export.json", Status: 202, Want: []string{`"kind":"export"`, `"status":"requested"`}},
		{File: "get-data-export.json", Replace: map[string]string{"pde_x": jobs["request-data-export.json"]}, Status: 200,
			Want: []string{`"status":"ready"`, `"downloadUrl":"http`, `"profile":0`}},
		{File: "get-data-export.json", Status: 404, Want: []string{`"code":"not_found"`}},
		{File: "request-erasure.json", Status: 202, Want: []string{`"kind":"erasure"`, `"status":"requested"`}},
		{File: "get-erasure.json", Replace: map[string]string{"era_x": jobs["request-erasure.json"]}, Status: 200,
			Want: []string{`"status":"done"`, `"anonymousId":"anon_`}},
		{File: "remove-many.json", Status: 200, Want: []string{`{"email":"ann@acme.edu","removed":true}`, `"email":"nobody@acme.edu","removed":false`}},
	})
	c, _ := w.Store.GetContract(context.Background(), w.Org.ID, w.Contract.ID)
	if c.Used != 0 {
		t.Fatalf("licences still used after removing both members: %d", c.Used)
	}
}
