package queue_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/adapters/queue"
)

func record(id, body string) events.SQSMessage {
	return events.SQSMessage{MessageId: id, Body: body, Attributes: map[string]string{"ApproximateReceiveCount": "3"}, EventSource: "aws:sqs"}
}

func failedIDs(resp events.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestBatchHandlerReportsOnlyFailedRecords(t *testing.T) {
	var seen []string
	fn := func(_ context.Context, body string) error {
		seen = append(seen, body)
		switch body {
		case "fail":
			return errors.New("SES throttled")
		case "{unparseable":
			return errors.New("decode mail message: invalid character")
		case "panic":
			panic("boom")
		}
		return nil
	}
	var logs bytes.Buffer
	h := queue.BatchHandler(fn, slog.New(slog.NewJSONHandler(&logs, nil)))
	resp, err := h(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		record("m1", "ok"), record("m2", "fail"), record("m3", "{unparseable"), record("m4", "panic"), record("m5", "ok too"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := failedIDs(resp); !slices.Equal(got, []string{"m2", "m3", "m4"}) {
		t.Fatalf("failures %v, want m2 m3 m4", got)
	}
	if !slices.Equal(seen, []string{"ok", "fail", "{unparseable", "panic", "ok too"}) {
		t.Fatalf("fn saw %v: a failure stopped the batch", seen)
	}
	for _, want := range []string{`"messageId":"m3"`, "decode mail message", `"approximateReceiveCount":"3"`, "panic: boom", `"failed":3`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}

	resp, _ = h(context.Background(), events.SQSEvent{Records: []events.SQSMessage{record("m1", "ok")}})
	if resp.BatchItemFailures == nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("all good: failures %#v, want an empty list", resp.BatchItemFailures)
	}
}

// TestBatchHandlerStopsBeforeTheDeadline: records not started when the
// invocation's deadline is near are reported without being handed to fn.
func TestBatchHandlerStopsBeforeTheDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	var workDeadline time.Time
	calls := 0
	// The second invocation's time runs out while its first record is at
	// work: the test ends that invocation's context from inside the work
	// rather than waiting for a short real deadline, which a busy machine
	// could reach before the first record even started.
	short, endShort := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer endShort()
	fn := func(ctx context.Context, body string) error {
		calls++
		workDeadline, _ = ctx.Deadline()
		if body == "slow" {
			endShort()
			<-ctx.Done() // the work outlives fn's context
			return ctx.Err()
		}
		return nil
	}
	h := queue.BatchHandler(fn, slog.New(slog.DiscardHandler))
	resp, _ := h(ctx, events.SQSEvent{Records: []events.SQSMessage{record("m1", "fast")}})
	if len(resp.BatchItemFailures) != 0 || calls != 1 {
		t.Fatalf("failures %v after %d calls", failedIDs(resp), calls)
	}
	outer, _ := ctx.Deadline()
	if margin := outer.Sub(workDeadline); margin <= 0 || margin > 2*time.Second {
		t.Fatalf("fn's deadline is %v before the invocation's, want (0, 2s]", margin)
	}
	// A record whose work runs until fn's context ends fails, and the records
	// after it fail unstarted.
	calls = 0
	resp, _ = h(short, events.SQSEvent{Records: []events.SQSMessage{record("m1", "slow"), record("m2", "fast"), record("m3", "fast")}})
	if got := failedIDs(resp); !slices.Equal(got, []string{"m1", "m2", "m3"}) || calls != 1 {
		t.Fatalf("failures %v after %d calls, want m1 m2 m3 after 1", got, calls)
	}
}
