package wire_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/awsenv"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
)

// BenchmarkColdStartInit measures what each function does at cold start
// before it serves, without the network: read its configuration, load the
// SDK's configuration (environment credentials, no shared files) and build
// its clients and handler. The mailer is given its send rate and the
// messaging and reminders functions' Secrets Manager read is left out: those
// are one network call each at cold start.
//
//	go test -run '^$' -bench ColdStartInit -benchmem ./shared/app/wire/
func BenchmarkColdStartInit(b *testing.B) {
	vars := map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_CONFIG_FILE": b.TempDir() + "/none", "AWS_SHARED_CREDENTIALS_FILE": b.TempDir() + "/none",
		"TABLE_NAME": "t", "LEARNER_APP_URL": "https://learn.example.com",
		"MAIL_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/mail", "WORK_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/work",
		"PLAN_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/plan", "REPORT_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/report",
		"FILES_BUCKET": "files", "PUBLIC_BASE_URL": "https://api.example.com", "UNSUBSCRIBE_SECRET_ID": "s", "MAIL_FROM": "noreply@example.com", "MAIL_SEND_RATE": "14", "MAIL_CONCURRENCY": "2",
	}
	for k, v := range vars {
		b.Setenv(k, v)
	}
	logger := slog.New(slog.DiscardHandler)
	functions := map[string]func(context.Context, aws.Config) error{
		// The SDK's configuration alone, which every function loads: the
		// rest of each function's time is its own clients and wiring.
		"sdk-config-only":   func(context.Context, aws.Config) error { return nil },
		"activity":          spec(logger, wire.ReadActivity, wire.Activity),
		"admin":             spec(logger, wire.ReadAdmin, wire.Admin),
		"enrollment":        spec(logger, wire.ReadEnrollment, wire.Enrollment),
		"invitation-import": spec(logger, wire.ReadInvitationImport, wire.InvitationImport),
		"invitations":       spec(logger, wire.ReadInvitations, wire.Invitations),
		"join":              spec(logger, wire.ReadJoin, wire.Join),
		"members":           spec(logger, wire.ReadMembers, wire.Members),
		"whitelist":         spec(logger, wire.ReadWhitelist, wire.Whitelist),
		"worker":            spec(logger, wire.ReadWorker, wire.Worker),
		"feedback": func(_ context.Context, cfg aws.Config) error {
			c, _, err := wire.ReadFeedback(env.New())
			wire.Feedback(cfg, c, logger)
			return err
		},
		"reports": func(_ context.Context, cfg aws.Config) error {
			c, _, err := wire.ReadReports(env.New())
			wire.ReportsTriggers(cfg, c, logger)
			return err
		},
		"mailer": func(ctx context.Context, cfg aws.Config) error {
			c, _, err := wire.ReadMailer(env.New())
			if err != nil {
				return err
			}
			_, err = wire.MailerHandler(ctx, cfg, c, logger)
			return err
		},
	}
	for name, init := range functions {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				cfg, err := awsenv.Load()
				if err != nil {
					b.Fatal(err)
				}
				if err := init(b.Context(), cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// spec is the cold start of a function wired here: read its settings from
// the environment, build its handler.
func spec[C, H any](logger *slog.Logger, read func(*env.Reader) (C, string, error), build func(aws.Config, C, *slog.Logger) H) func(context.Context, aws.Config) error {
	return func(_ context.Context, cfg aws.Config) error {
		c, _, err := read(env.New())
		if err == nil {
			build(cfg, c, logger)
		}
		return err
	}
}
