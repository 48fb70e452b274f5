// Package mailer is the mailer function's wiring: its settings and its
// handler (claims, SES sender, pacer, reach and campaign counters behind
// the mail queue's batch handler). It imports only what the mailer runs.
package mailer

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/adapters/ses"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// Config is the mailer function's settings, each variable declared once in
// its field's tag: Read fills it, and the stack sets the variables it names.
type Config struct {
	start.Base
	// From is the sender of every email, an SES-verified identity.
	From string `env:"MAIL_FROM"`
	// SendRate is the account's send rate in emails a second; 0 (unset)
	// reads SES's maximum send rate at cold start.
	SendRate int `env:"MAIL_SEND_RATE,optional"`
	// Concurrency is the event source mapping's maximum concurrency: how
	// many instances may send at once, sharing SendRate.
	Concurrency int `env:"MAIL_CONCURRENCY" default:"2"`
	// ConfigurationSet is the SES configuration set every email is sent
	// under, whose event destination publishes bounces and complaints to
	// the feedback function; empty (locally) sends under none.
	ConfigurationSet string `env:"MAIL_CONFIGURATION_SET,optional"`
	// PublicBaseURL is the API's public base URL: emails of an org with a
	// logo load it from the org's public logo route under it.
	PublicBaseURL string `env:"PUBLIC_BASE_URL"`
}

// Validate describes each invalid value: Base's, a sender that is not an
// address, a base URL that is not an absolute http(s) URL, a negative send
// rate, a concurrency below 1.
func (c Config) Validate() []string {
	invalid := c.Base.Validate()
	if c.From != "" {
		if _, err := netmail.ParseAddress(c.From); err != nil {
			invalid = append(invalid, fmt.Sprintf("MAIL_FROM=%q is not an email address", c.From))
		}
	}
	if c.PublicBaseURL != "" {
		if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			invalid = append(invalid, fmt.Sprintf("PUBLIC_BASE_URL=%q is not an absolute http or https URL", c.PublicBaseURL))
		}
	}
	if c.SendRate < 0 {
		invalid = append(invalid, fmt.Sprintf("MAIL_SEND_RATE=%d must be a positive number of emails a second (or unset, to read it from SES)", c.SendRate))
	}
	if c.Concurrency < 1 {
		invalid = append(invalid, fmt.Sprintf("MAIL_CONCURRENCY=%d must be at least 1", c.Concurrency))
	}
	return invalid
}

// Read reads the mailer's settings (Config). Its error names every missing
// and every invalid variable.
func Read(vars *env.Reader) (Config, string, error) { return start.Read[Config](vars) }

// RateSource reads the account's maximum send rate.
type RateSource interface {
	MaxSendRate(ctx context.Context) (float64, error)
}

// InstanceRate returns the emails a second one mailer instance may send:
// the account's rate (SendRate, or SES's maximum send rate when it is
// unset) divided by Concurrency. It returns SES's error.
func InstanceRate(ctx context.Context, c Config, src RateSource) (account, each float64, err error) {
	account = float64(c.SendRate)
	if c.SendRate == 0 {
		if account, err = src.MaxSendRate(ctx); err != nil {
			return 0, 0, fmt.Errorf("read the account's send rate (or set MAIL_SEND_RATE): %w", err)
		}
	}
	each, err = mail.PerInstanceRate(account, c.Concurrency)
	return account, each, err
}

// Handler builds the mailer's handler: it reads the send rate and
// wires the claims, the sender (under the configuration set), the pacer,
// the reach check and campaign counters, and the base of the logos' URL
// into the dispatcher behind the batch handler. It returns an error when the send rate cannot be had.
func Handler(ctx context.Context, awsCfg aws.Config, c Config, logger *slog.Logger) (queue.Handler, error) {
	sender := ses.Open(awsCfg, c.ConfigurationSet)
	account, each, err := InstanceRate(ctx, c, sender)
	if err != nil {
		return nil, err
	}
	pacer, err := mail.NewPacer(each)
	if err != nil {
		return nil, err
	}
	ledger := start.OpenStore(awsCfg, c.Base).MailLedger()
	dispatcher := mail.NewDispatcher(ledger, sender, pacer, c.From, logger).WithCampaigns(ledger, ledger).WithErasures(ledger).
		WithLogos(c.PublicBaseURL)
	logger.Info("mailer ready", slog.Float64("accountSendRate", account), slog.Int("concurrency", c.Concurrency),
		slog.Float64("instanceSendRate", each), slog.String("from", c.From), slog.String("configurationSet", c.ConfigurationSet), slog.String("publicBaseUrl", c.PublicBaseURL))
	return queue.BatchHandler(dispatcher.DeliverJSON, logger), nil
}
