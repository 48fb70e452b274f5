package main

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadFeedback(env.NewFrom(env.Map(nil)))
	if err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Fatalf("error %v does not name TABLE_NAME", err)
	}
	c, level, err := wire.ReadFeedback(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t", "LOG_LEVEL": "debug"})))
	if err != nil || c.Table != "t" || level != "debug" {
		t.Fatalf("config %+v, %q, %v", c, level, err)
	}
}

// invited writes a pending invitation of the world's program, by the import
// when importID is set.
func invited(t *testing.T, w *wiretest.World, email, importID string) {
	t.Helper()
	e, err := bo.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	l := bo.Learner{OrgID: w.Org.ID, ProgramID: w.Program.ID, Email: e.Display, EmailKey: e.Key, FullName: "Learner " + e.Key,
		State: bo.StateInvited, ContractID: w.Contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now, ImportID: importID,
		CreatedAt: now, UpdatedAt: now}
	if err := w.Store.PutInvitationRow(t.Context(), l, nil); err != nil {
		t.Fatal(err)
	}
}

// TestSamples replays every sample of events/feedback twice, on a world
// whose program invited the addresses the samples name: a hard bounce or a
// complaint, SNS-wrapped or raw, suppresses the address and marks its
// invitation undeliverable (once: the import that wrote one counts it
// once); a soft bounce and a delivery change nothing.
func TestSamples(t *testing.T) {
	w := wiretest.NewWorld(t, 10)
	ctx := t.Context()
	now := time.Now().UTC()
	job := invite.Job{ID: "imp_feedback", OrgID: w.Org.ID, ProgramID: w.Program.ID, ContractID: w.Contract.ID, Status: invite.JobDone,
		CreatedAt: now, UpdatedAt: now}
	if err := w.Store.CreateImport(ctx, job); err != nil {
		t.Fatal(err)
	}
	invited(t, w, "bounced.learner@example.com", job.ID)
	for _, e := range []string{"complainer@example.com", "soft@example.com", "listed@example.com"} {
		invited(t, w, e, "")
	}
	h := wire.Feedback(w.AWS, w.Conf.Base, slog.New(slog.DiscardHandler))

	type want struct {
		email, reason string // reason "" for an address left alone
	}
	cases := map[string][]want{
		"hard-bounce.json": {{"bounced.learner@example.com", "hard bounce (General): smtp; 550 5.1.1 <Bounced.Learner@example.com>: Recipient address rejected"}},
		"complaint.json":   {{"complainer@example.com", "complaint (abuse)"}},
		"ignored.json":     {{"soft@example.com", ""}},
		"raw-delivery-bounce.json": {{"listed@example.com",
			"hard bounce (OnAccountSuppressionList): Amazon SES did not send the message to this address because it is on the suppression list"}},
	}
	for _, name := range wiretest.Samples(t, "feedback") {
		wants, ok := cases[name]
		if !ok {
			t.Errorf("events/feedback/%s is replayed by no case: add one", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			var ev events.SQSEvent
			w.Event(t, "feedback", name, &ev, nil)
			for i := range 2 {
				res, err := h(ctx, ev)
				if err != nil || len(res.BatchItemFailures) != 0 {
					t.Fatalf("delivery %d: %+v, %v", i, res, err)
				}
			}
			for _, wt := range wants {
				l, err := w.Store.GetLearner(ctx, w.Program.ID, wt.email)
				if err != nil {
					t.Fatal(err)
				}
				reach, err := w.Store.Reachability(ctx, w.Org.ID, []string{wt.email})
				if err != nil {
					t.Fatal(err)
				}
				if wt.reason == "" {
					if l.Undeliverable || reach[wt.email] != bo.Reachable {
						t.Fatalf("%s: undeliverable %v, reach %q; want it left alone", wt.email, l.Undeliverable, reach[wt.email])
					}
					continue
				}
				if !l.Undeliverable || !strings.HasPrefix(l.UndeliverableReason, wt.reason) || l.UndeliverableAt == nil || l.State != bo.StateInvited {
					t.Fatalf("%s: %+v; want undeliverable, reason %q", wt.email, l, wt.reason)
				}
				if reach[wt.email] != bo.Suppressed {
					t.Fatalf("%s: reach %q, want suppressed", wt.email, reach[wt.email])
				}
			}
		})
	}
	j, err := w.Store.GetImport(ctx, w.Program.ID, job.ID)
	if err != nil || j.Counts.Undeliverable != 1 {
		t.Fatalf("import undeliverable %d, %v; want 1 after two deliveries of the bounce", j.Counts.Undeliverable, err)
	}

	// A record that cannot be read fails alone.
	var ev events.SQSEvent
	w.Event(t, "feedback", "complaint.json", &ev, nil)
	bad := ev.Records[0]
	bad.MessageId, bad.Body = "unreadable", "{not json"
	ev.Records = append(ev.Records, bad)
	res, err := h(ctx, ev)
	var failed []string
	for _, f := range res.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if err != nil || !slices.Equal(failed, []string{"unreadable"}) {
		t.Fatalf("mixed batch: failures %v, %v; want the unreadable record only", failed, err)
	}
}
