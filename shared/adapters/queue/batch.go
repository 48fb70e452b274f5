package queue

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Handler is a Lambda handler of SQS events that reports partial batch
// failures: the records named in BatchItemFailures come back to the queue
// (and end in its dead-letter queue after its maxReceiveCount), the others
// are deleted. The event source mapping must have ReportBatchItemFailures on.
type Handler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// maxDeadlineMargin is the most time BatchHandler keeps, before the
// invocation's deadline, to stop work and answer; Lambda kills an invocation
// at its deadline, and then every record of the batch comes back.
const maxDeadlineMargin = 2 * time.Second

// BatchHandler returns a Handler that calls fn with the body of each record
// of the batch, one after the other, and reports as failures the records
// for which fn returns an error or panics. fn must tell a body it cannot
// parse by returning an error: the record is logged and reported, so that it
// ends in the dead-letter queue.
//
// When the invocation has a deadline, fn's context ends a little before it
// (a tenth of the time left, at most two seconds): records not started by
// then are reported as failures without calling fn, so that the answer
// reaches Lambda in time and only those records come back. The handler
// itself never returns an error.
func BatchHandler(fn func(ctx context.Context, body string) error, logger *slog.Logger) Handler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		work := ctx
		if deadline, ok := ctx.Deadline(); ok {
			margin := min(maxDeadlineMargin, time.Until(deadline)/10)
			var cancel context.CancelFunc
			work, cancel = context.WithDeadline(ctx, deadline.Add(-margin))
			defer cancel()
		}
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, rec := range ev.Records {
			var err error
			if work.Err() != nil {
				err = fmt.Errorf("not started, the invocation's deadline is near: %w", work.Err())
			} else {
				err = call(work, fn, rec.Body)
			}
			if err != nil {
				logger.Error("queue record failed; it will be delivered again",
					slog.String("messageId", rec.MessageId),
					slog.String("approximateReceiveCount", rec.Attributes["ApproximateReceiveCount"]),
					slog.String("eventSourceARN", rec.EventSourceARN),
					slog.String("error", err.Error()))
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		logger.Info("queue batch handled", slog.Int("records", len(ev.Records)), slog.Int("failed", len(resp.BatchItemFailures)))
		return resp, nil
	}
}

// call runs fn, turning a panic into an error so that one record cannot fail
// the others.
func call(ctx context.Context, fn func(ctx context.Context, body string) error, body string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(ctx, body)
}
