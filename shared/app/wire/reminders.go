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
	"github.com/learnops/backoffice/shared/adapters/secrets"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/optout"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// RemindersConfig is the reminders function's settings, each variable
// declared once in its field's tag: ReadReminders fills it, and the stack
// sets the variables it names.
type RemindersConfig struct {
	Base
	// LearnerAppURL is the learner app, which the reminders link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue the reminders go on.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// PublicBaseURL is the public base URL of the API (its custom domain in
	// AWS, the local gateway under make dev): the unsubscribe links are
	// built from it, never from the execute-api URL.
	PublicBaseURL string `env:"PUBLIC_BASE_URL"`
	// UnsubscribeSecretID is the ARN (or name) of the Secrets Manager
	// secret that signs unsubscribe links.
	UnsubscribeSecretID string `env:"UNSUBSCRIBE_SECRET_ID"`
	// HourUTC is the hour of Saturday (UTC) the schedule fires at, which
	// the automated messages list shows (reminders.DefaultHourUTC when
	// unset).
	HourUTC int `env:"REMINDER_HOUR_UTC" default:"9"`
}

// Validate describes each invalid value: Base's, and an hour outside 0 to
// 23.
func (c RemindersConfig) Validate() []string {
	invalid := c.Base.Validate()
	if c.HourUTC < 0 || c.HourUTC > 23 {
		invalid = append(invalid, fmt.Sprintf("REMINDER_HOUR_UTC=%d must be an hour from 0 to 23", c.HourUTC))
	}
	return invalid
}

// ReadReminders reads the reminders function's settings (RemindersConfig).
// Its error names every missing and every invalid variable.
func ReadReminders(vars *env.Reader) (RemindersConfig, string, error) {
	return start.Read[RemindersConfig](vars)
}

// UnsubscribeSigner reads the signing secret from Secrets Manager (once, at
// cold start) and returns the signer of unsubscribe links. It returns
// Secrets Manager's error, or the signer's for a secret that is too short.
func UnsubscribeSigner(ctx context.Context, awsCfg aws.Config, c RemindersConfig) (*optout.Signer, error) {
	return secrets.UnsubscribeSigner(ctx, awsCfg, c.UnsubscribeSecretID, c.PublicBaseURL)
}

// Reminders returns the reminders function's handler: the automated
// messages routes, and the Saturday run on the schedule's events. It reads
// the unsubscribe signing secret, and returns Secrets Manager's error.
func Reminders(ctx context.Context, awsCfg aws.Config, c RemindersConfig, logger *slog.Logger) (Triggers, error) {
	signer, err := UnsubscribeSigner(ctx, awsCfg, c)
	if err != nil {
		return Triggers{}, err
	}
	store := start.OpenStore(awsCfg, c.Base)
	outbox := mailQueue(awsCfg, c.MailQueueURL)
	runner := reminders.NewRunner(store, outbox, signer, reminders.Config{
		LearnerAppURL: c.LearnerAppURL, ProgramShards: dynamo.ProgramShards, LearnerShards: dynamo.LearnerShards,
	}, logger)
	svc := reminders.NewService(newAdmins(store), store, c.HourUTC)
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
