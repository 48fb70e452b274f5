package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/adapters/ses"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// Mailer is the mailer function's configuration.
type Mailer struct {
	Base
	// From is the sender of every email, an SES-verified identity.
	From string
	// SendRate is the account's send rate in emails a second; 0 (unset)
	// reads SES's maximum send rate at cold start.
	SendRate int
	// Concurrency is the event source mapping's maximum concurrency: how
	// many instances may send at once, sharing SendRate.
	Concurrency int
	// ConfigurationSet is the SES configuration set every email is sent
	// under, whose event destination publishes bounces and complaints to
	// the feedback function; empty (locally) sends under none.
	ConfigurationSet string
}

// ReadMailer reads the mailer's configuration: TABLE_NAME, MAIL_FROM,
// MAIL_SEND_RATE, MAIL_CONCURRENCY, MAIL_CONFIGURATION_SET (optional) and
// LOG_LEVEL. Its error names every missing and every invalid variable.
func ReadMailer(vars *env.Reader) (Mailer, string, error) {
	c := Mailer{
		Base:             readBase(vars),
		From:             vars.Required("MAIL_FROM"),
		SendRate:         vars.Int("MAIL_SEND_RATE", 0),
		Concurrency:      vars.Int("MAIL_CONCURRENCY", 2),
		ConfigurationSet: vars.Optional("MAIL_CONFIGURATION_SET", ""),
	}
	var invalid []string
	if c.From != "" {
		if _, err := netmail.ParseAddress(c.From); err != nil {
			invalid = append(invalid, fmt.Sprintf("MAIL_FROM=%q is not an email address", c.From))
		}
	}
	if c.SendRate < 0 {
		invalid = append(invalid, fmt.Sprintf("MAIL_SEND_RATE=%d must be a positive number of emails a second (or unset, to read it from SES)", c.SendRate))
	}
	if c.Concurrency < 1 {
		invalid = append(invalid, fmt.Sprintf("MAIL_CONCURRENCY=%d must be at least 1", c.Concurrency))
	}
	err := vars.Err()
	if len(invalid) > 0 {
		var e *env.Error
		if !errors.As(err, &e) {
			e = &env.Error{}
			err = e
		}
		e.Invalid = append(e.Invalid, invalid...)
	}
	return c, c.LogLevel, err
}

// RateSource reads the account's maximum send rate.
type RateSource interface {
	MaxSendRate(ctx context.Context) (float64, error)
}

// InstanceRate returns the emails a second one mailer instance may send:
// the account's rate (SendRate, or SES's maximum send rate when it is
// unset) divided by Concurrency. It returns SES's error.
func InstanceRate(ctx context.Context, c Mailer, src RateSource) (account, each float64, err error) {
	account = float64(c.SendRate)
	if c.SendRate == 0 {
		if account, err = src.MaxSendRate(ctx); err != nil {
			return 0, 0, fmt.Errorf("read the account's send rate (or set MAIL_SEND_RATE): %w", err)
		}
	}
	each, err = mail.PerInstanceRate(account, c.Concurrency)
	return account, each, err
}

// MailerHandler builds the mailer's handler: it reads the send rate and
// wires the claims, the sender (under the configuration set), the pacer,
// and the reach check and campaign counters into the dispatcher behind the
// batch handler. It returns an error when the send rate cannot be had.
func MailerHandler(ctx context.Context, awsCfg aws.Config, c Mailer, logger *slog.Logger) (queue.Handler, error) {
	sender := ses.NewSender(awsses.NewFromConfig(awsCfg), c.ConfigurationSet)
	account, each, err := InstanceRate(ctx, c, sender)
	if err != nil {
		return nil, err
	}
	pacer, err := mail.NewPacer(each)
	if err != nil {
		return nil, err
	}
	store := dynamo.NewStore(dynamodb.NewFromConfig(awsCfg), c.Table)
	dispatcher := mail.NewDispatcher(store, sender, pacer, c.From, logger).WithCampaigns(store, store).WithErasures(store)
	logger.Info("mailer ready", slog.Float64("accountSendRate", account), slog.Int("concurrency", c.Concurrency),
		slog.Float64("instanceSendRate", each), slog.String("from", c.From), slog.String("configurationSet", c.ConfigurationSet))
	return queue.BatchHandler(dispatcher.DeliverJSON, logger), nil
}
