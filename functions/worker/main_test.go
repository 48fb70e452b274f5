package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/env"
	"github.com/learnops/backoffice/shared/wire"
	"github.com/learnops/backoffice/shared/wire/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadWorker(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleDeletion replays events/worker/delete-program.json for a
// program with two members: the first delivery removes them (and queues the
// next item), the next deletes the program, a redelivery changes nothing.
func TestSampleDeletion(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	wiretest.Member(t, w, "jo@acme.edu")
	wiretest.Member(t, w, "ann@acme.edu")
	if err := w.Store.MarkProgramDeleting(ctx, w.Org.ID, w.Program.ID); err != nil {
		t.Fatal(err)
	}
	h := wire.Worker(w.AWS, w.Conf, slog.New(slog.DiscardHandler))
	var ev events.SQSEvent
	w.Event(t, "worker", "delete-program.json", &ev, nil)
	for i := range 3 {
		res, err := h(ctx, ev)
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %+v, %v", i, res, err)
		}
		if i == 0 {
			for _, e := range []string{"jo@acme.edu", "ann@acme.edu"} {
				if l, _ := w.Store.GetLearner(ctx, w.Program.ID, e); l.State != bo.StateDeletedMember || l.AllowReturn {
					t.Fatalf("after the first delivery %s is %+v", e, l)
				}
			}
		}
	}
	if _, err := w.Store.GetProgram(ctx, w.Org.ID, w.Program.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("the program still exists: %v", err)
	}
	if c, _ := w.Store.GetContract(ctx, w.Org.ID, w.Contract.ID); c.Used != 0 {
		t.Fatalf("licences still used: %d", c.Used)
	}
}
