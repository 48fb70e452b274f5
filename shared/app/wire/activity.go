package wire

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
)

// ActivityConfig is the activity function's settings: Base alone (the
// table), declared as its own type so that the function's variables are
// its own.
type ActivityConfig struct {
	Base
}

// ReadActivity reads the activity function's settings (ActivityConfig).
// Its error names every missing and every invalid variable.
func ReadActivity(vars *env.Reader) (ActivityConfig, string, error) {
	return start.Read[ActivityConfig](vars)
}

// Activity returns the activity function's handler: it records each
// learning-activity event, logs and drops events that can never be
// recorded (malformed, or for no enrollment), and returns other errors so
// that EventBridge's delivery to Lambda retries them.
func Activity(awsCfg aws.Config, c ActivityConfig, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	record := ActivityRecorder(awsCfg, c)
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		err := record(ctx, ev)
		if Dropped(err) {
			logger.WarnContext(ctx, "activity event dropped", slog.String("id", ev.ID), slog.String("error", err.Error()))
			return nil
		}
		return err
	}
}

// ActivityRecorder returns the activity function's work on one event,
// without the decision to drop: nil when the event was recorded, an error
// for which Dropped is true (EINVALID for a detail that is not a valid
// activity event, ENOTFOUND for an unknown program, a non-member or an
// item they are not enrolled in) when retrying cannot help, and any other
// error when recording failed. The local activity route answers with it.
func ActivityRecorder(awsCfg aws.Config, c ActivityConfig) func(context.Context, events.EventBridgeEvent) error {
	recorder := activity.NewRecorder(start.OpenStore(awsCfg, c.Base))
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		var e activity.Event
		if err := json.Unmarshal(ev.Detail, &e); err != nil {
			return bo.Invalid("the detail is not an activity event: " + err.Error())
		}
		return recorder.Record(ctx, e)
	}
}

// Dropped reports whether err, from ActivityRecorder, is an event to drop:
// EINVALID or ENOTFOUND.
func Dropped(err error) bool {
	code := bo.ErrorCode(err)
	return code == bo.EINVALID || code == bo.ENOTFOUND
}
