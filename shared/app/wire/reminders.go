package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// RemindersConfig is the reminders function's configuration.
type RemindersConfig struct {
	Bulk
	// HourUTC is the hour of Saturday (UTC) the schedule fires at, which
	// the automated messages list shows.
	HourUTC int
}

// ReadReminders reads the reminders function's configuration: TABLE_NAME,
// LEARNER_APP_URL, MAIL_QUEUE_URL, PUBLIC_BASE_URL, UNSUBSCRIBE_SECRET_ID,
// REMINDER_HOUR_UTC (0 to 23, reminders.DefaultHourUTC when unset) and
// LOG_LEVEL. Its error names every missing and every invalid variable.
func ReadReminders(vars *env.Reader) (RemindersConfig, string, error) {
	learners := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"), MailQueueURL: vars.Required("MAIL_QUEUE_URL")}
	c := RemindersConfig{Bulk: readBulk(vars, learners), HourUTC: vars.Int("REMINDER_HOUR_UTC", reminders.DefaultHourUTC)}
	err := vars.Err()
	if c.HourUTC < 0 || c.HourUTC > 23 {
		var e *env.Error
		if !errors.As(err, &e) {
			e = &env.Error{}
			err = e
		}
		e.Invalid = append(e.Invalid, fmt.Sprintf("REMINDER_HOUR_UTC=%d must be an hour from 0 to 23", c.HourUTC))
	}
	return c, c.LogLevel, err
}

// Reminders returns the reminders function's handler: the automated
// messages routes, and the Saturday run on the schedule's events. It reads
// the unsubscribe signing secret, and returns Secrets Manager's error.
func Reminders(ctx context.Context, awsCfg aws.Config, c RemindersConfig, logger *slog.Logger) (Triggers, error) {
	signer, err := UnsubscribeSigner(ctx, awsCfg, c.Bulk)
	if err != nil {
		return Triggers{}, err
	}
	s := newServices(awsCfg, c.Learners, logger)
	outbox := queue.NewPublisher(queue.Open(awsCfg), c.MailQueueURL)
	runner := reminders.NewRunner(s.store, outbox, signer, reminders.Config{
		LearnerAppURL: c.LearnerAppURL, ProgramShards: dynamo.ProgramShards, LearnerShards: dynamo.LearnerShards,
	}, logger)
	svc := reminders.NewService(s.admin, s.store, c.HourUTC)
	return Triggers{API: httpapi.NewRemindersHandler(svc, logger), Schedule: ReminderSchedule(runner, logger)}, nil
}

// ReminderSchedule returns the handler of the schedule's events: it runs
// the reminders of the Saturday of the event's time (whatever the clock
// says), as the run named by the event's id. A run that stops before the
// deadline returns reminders.ErrStopped: Lambda retries the asynchronous
// invocation with the same event, and the retry resumes where the run
// stopped. An event on another day is logged and dropped (a retry cannot
// help it).
func ReminderSchedule(runner *reminders.Runner, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		saturday, err := reminders.SaturdayOf(ev.Time)
		if bo.ErrorCode(err) == bo.EINVALID {
			logger.WarnContext(ctx, "reminders: event not on a Saturday; dropped", slog.String("id", ev.ID), slog.Time("time", ev.Time))
			return nil
		}
		runID := ev.ID
		if runID == "" {
			runID = bo.NewID("run", ev.Time)
		}
		report, err := runner.Run(ctx, saturday, runID)
		attrs := []any{slog.String("runId", runID), slog.Any("report", report)}
		switch {
		case errors.Is(err, reminders.ErrStopped):
			logger.WarnContext(ctx, "reminders: stopped before the deadline; the retry resumes", attrs...)
		case err != nil:
			logger.ErrorContext(ctx, "reminders: run failed; the retry resumes", append(attrs, slog.String("error", err.Error()))...)
		default:
			logger.InfoContext(ctx, "reminders: run done", attrs...)
		}
		return err
	}
}
