// Command dev runs the whole back office locally, on the AWS endpoint of
// AWS_ENDPOINT_URL (run it through `make dev`, which starts a moto server of
// its own on a free port unless AWS_ENDPOINT_URL names one): it creates the table, queues and bucket and the
// unsubscribe signing secret, verifies the mail sender, serves every API
// function behind a local API Gateway on http://127.0.0.1:8080, seeds demo
// data and prints how to call it, until Ctrl-C. It runs the queue functions
// (mailer, worker, feedback, messaging) on their queues, and serves
// local-only routes beside the gateway: POST /_local/ses-notification feeds
// an SES bounce or complaint to the feedback queue, POST /_local/reminders
// runs a chosen Saturday's reminders, and POST /_local/activity feeds
// learning-activity events to the activity function.
//
// With the admin console built (web/dist, which `make dev` builds first), it
// serves the console on every other GET path of the same origin, its
// runtime settings at /config.json and a local sign-in page at
// /_local/sign-in (email, platform operator or not) in place of the
// deployment's OIDC issuer.
//
// Environment: PORT (8080), CONSOLE_DIR (web/dist), SENDER_EMAIL
// (no-reply@learn.example.com), LEARNER_APP_URL (https://learn.example.com),
// PUBLIC_BASE_URL (the base of the links to the API in emails: the
// gateway's own http://127.0.0.1:PORT), CONSOLE_ORIGIN (the one origin CORS
// admits, http://localhost:5173), LOG_LEVEL (info),
// REMINDER_HOUR_UTC (9: the Saturday reminders' hour) and DEV_JWT_SECRET
// (the tokens' HS256 secret; local-dev-secret-change-me when unset, as in
// the Makefile).
//
// Beside the API, POST /_local/reminders?date=YYYY-MM-DD runs the Saturday
// reminders for that Saturday at once, as the schedule would (local only),
// and POST /_local/reports/daily-run[?date=2026-03-02] runs the reports
// function's daily schedule for that day (today by default), as
// EventBridge does at 06:00 UTC in AWS.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/reminders"
	"github.com/learnops/backoffice/shared/testkit/emulator"
)

// localSendRate is the mailer's send rate under make dev, in emails a second.
const localSendRate = 50

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, emulator.DefaultNames(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

// run runs the system on resources of the given names, printing the next
// steps to out, until ctx ends.
func run(ctx context.Context, names emulator.Names, out io.Writer) error {
	vars := env.New()
	port := vars.Optional("PORT", "8080")
	sender := vars.Optional("SENDER_EMAIL", "no-reply@learn.example.com")
	learnerAppURL := vars.Optional("LEARNER_APP_URL", "https://learn.example.com")
	// The links to the API in emails point at the local gateway, as they
	// point at the API's public URL in AWS.
	publicBaseURL := vars.Optional("PUBLIC_BASE_URL", "http://"+net.JoinHostPort("127.0.0.1", port))
	consoleOrigin := vars.Optional("CONSOLE_ORIGIN", local.DefaultConsoleOrigin)
	logger := env.Logger(vars.Optional("LOG_LEVEL", "info"))
	hour := vars.Int("REMINDER_HOUR_UTC", reminders.DefaultHourUTC)
	consoleDir := vars.Optional("CONSOLE_DIR", "web/dist")
	if err := vars.Err(); err != nil {
		return err
	}
	secret, fromEnv := local.SecretFromEnv()
	if !fromEnv {
		logger.Warn("DEV_JWT_SECRET is unset; using the public default secret", slog.String("secret", local.DefaultSecret))
	}

	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return err
	}
	if cfg.BaseEndpoint == nil {
		return fmt.Errorf("AWS_ENDPOINT_URL is unset: run `make dev`, which points it at a local emulator")
	}
	cfg.HTTPClient = emulator.HTTPClient
	// Provision before wiring: the functions need the queue URLs. Dev.Run
	// provisions again, which changes nothing.
	prov, err := emulator.Provision(ctx, cfg, names)
	if err != nil {
		return err
	}
	mailURL := prov.Queues[resources.MailQueue.Name].URL
	workURL := prov.Queues[resources.WorkQueue.Name].URL
	feedbackURL := prov.Queues[resources.FeedbackQueue.Name].URL
	planURL := prov.Queues[resources.PlanQueue.Name].URL
	reportURL := prov.Queues[resources.ReportQueue.Name].URL
	// The unsubscribe links point at the local gateway; their signing key is
	// a secret of the endpoint, as the stack's is in AWS.
	secretID, err := emulator.EnsureSecret(ctx, cfg, names.Table+"-unsubscribe")
	if err != nil {
		return err
	}
	// Each function reads its own settings from the variables the stack
	// sets in AWS, here the local resources' (a variable missing here fails
	// start-up, as it would fail the function's cold start).
	specs := &settings{vars: map[string]string{
		"TABLE_NAME": names.Table, "LEARNER_APP_URL": learnerAppURL, "FILES_BUCKET": names.Bucket,
		"MAIL_QUEUE_URL": mailURL, "WORK_QUEUE_URL": workURL, "PLAN_QUEUE_URL": planURL, "REPORT_QUEUE_URL": reportURL,
		"PUBLIC_BASE_URL": publicBaseURL, "UNSUBSCRIBE_SECRET_ID": secretID, "REMINDER_HOUR_UTC": strconv.Itoa(hour),
		// The mailer at a local send rate; moto reports a maximum of 1 a second.
		"MAIL_FROM": sender, "MAIL_SEND_RATE": strconv.Itoa(localSendRate), "MAIL_CONCURRENCY": "1",
	}}
	adminConf, invitationsConf := read(specs, wire.ReadAdmin), read(specs, wire.ReadInvitations)
	joinConf, whitelistConf := read(specs, wire.ReadJoin), read(specs, wire.ReadWhitelist)
	enrollmentConf, membersConf := read(specs, wire.ReadEnrollment), read(specs, wire.ReadMembers)
	remindersConf, messagingConf := read(specs, wire.ReadReminders), read(specs, wire.ReadMessaging)
	reportsConf, mailerConf := read(specs, wire.ReadReports), read(specs, wire.ReadMailer)
	importConf, workerConf := read(specs, wire.ReadInvitationImport), read(specs, wire.ReadWorker)
	feedbackConf, activityConf := read(specs, wire.ReadFeedback), read(specs, wire.ReadActivity)
	if err := errors.Join(specs.errs...); err != nil {
		return err
	}
	messaging, err := wire.MessagingHandler(ctx, cfg, messagingConf, logger.With(slog.String("function", httpapi.FunctionMessaging)))
	if err != nil {
		return err
	}

	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), names.Table)
	svc := admin.NewService(store, admin.Config{LearnerAppURL: learnerAppURL})
	remind, err := wire.Reminders(ctx, cfg, remindersConf,
		logger.With(slog.String("function", httpapi.FunctionReminders)))
	if err != nil {
		return err
	}
	handlers := map[string]local.Handler{
		httpapi.FunctionAdmin:       local.Handler(wire.Admin(cfg, adminConf, logger)),
		httpapi.FunctionInvitations: local.Handler(wire.Invitations(cfg, invitationsConf, logger)),
		httpapi.FunctionJoin:        local.Handler(wire.Join(cfg, joinConf, logger)),
		httpapi.FunctionWhitelist:   local.Handler(wire.Whitelist(cfg, whitelistConf, logger)),
		httpapi.FunctionEnrollment:  local.Handler(wire.Enrollment(cfg, enrollmentConf, logger)),
		httpapi.FunctionMembers:     local.Handler(wire.Members(cfg, membersConf, logger)),
		httpapi.FunctionReminders:   local.Handler(remind.API),
		httpapi.FunctionMessaging:   local.Handler(messaging.API),
	}
	reports := wire.ReportsTriggers(cfg, reportsConf, logger.With(slog.String("function", httpapi.FunctionReports)))
	handlers[httpapi.FunctionReports] = local.Handler(reports.API)
	mailer, err := wire.MailerHandler(ctx, cfg, mailerConf,
		logger.With(slog.String("function", httpapi.FunctionMailer)))
	if err != nil {
		return err
	}
	importer := wire.InvitationImport(cfg, importConf, logger.With(slog.String("function", httpapi.FunctionInvitationImport)))
	worker := wire.Worker(cfg, workerConf, logger.With(slog.String("function", httpapi.FunctionWorker)))
	feedback := wire.Feedback(cfg, feedbackConf, logger.With(slog.String("function", httpapi.FunctionFeedback)))
	workers := map[string]func(context.Context) error{
		httpapi.FunctionWorker: func(ctx context.Context) error {
			return queue.Poll(ctx, sqs.NewFromConfig(cfg), workURL, worker, logger)
		},
		httpapi.FunctionMailer: func(ctx context.Context) error {
			return queue.Poll(ctx, sqs.NewFromConfig(cfg), mailURL, mailer, logger)
		},
		httpapi.FunctionReminders: func(ctx context.Context) error {
			return local.EverySaturday(ctx, remind.Schedule, hour, logger)
		},
		httpapi.FunctionFeedback: func(ctx context.Context) error {
			return queue.Poll(ctx, sqs.NewFromConfig(cfg), feedbackURL, feedback, logger)
		},
		httpapi.FunctionMessaging: func(ctx context.Context) error {
			return queue.Poll(ctx, sqs.NewFromConfig(cfg), planURL, messaging.Queue, logger)
		},
		httpapi.FunctionReports: func(ctx context.Context) error {
			return queue.Poll(ctx, sqs.NewFromConfig(cfg), reportURL, reports.Queue, logger)
		},
		httpapi.FunctionInvitationImport: func(ctx context.Context) error {
			return local.PollObjects(ctx, s3.NewFromConfig(cfg, awsconfig.S3Options), names.Bucket, resources.ImportsPrefix,
				time.Second, importer, logger)
		},
	}

	console := local.ConsoleFiles(consoleDir)
	if console == nil {
		logger.Info("no admin console to serve (build it: make dev, or npm run build in web/)", slog.String("dir", consoleDir))
	}
	return local.Dev{
		AWS:           cfg,
		Names:         names,
		Addr:          net.JoinHostPort("127.0.0.1", port),
		Secret:        secret,
		ConsoleOrigin: consoleOrigin,
		Sender:        sender,
		Routes:        httpapi.Routes,
		Handlers:      handlers,
		// SES's bounces and complaints, which moto never produces.
		LocalRoutes: map[string]http.Handler{
			"POST " + local.SESNotificationPath: local.SESNotificationHandler(sqs.NewFromConfig(cfg), feedbackURL, time.Now),
			// The Saturday reminders for a chosen date, now.
			"POST " + local.RemindersPath: local.RunReminders(remind.Schedule, hour, logger),
			// The reports' daily run (the weekly reports due) for a chosen day, now.
			"POST " + local.ReportsDailyRunPath: local.RunDailyReports(reports.Schedule, reportsDailyHourUTC, logger),
			// The console's stand-ins for the OIDC issuer and the stack's config.json.
			local.SignInPath:                 local.SignInPage(secret),
			"GET " + local.ConsoleConfigPath: local.ConsoleConfig(),
		},
		Console:  console,
		Workers:  workers,
		Activity: local.ActivityHandler(wire.ActivityRecorder(cfg, activityConf)),
		Admin:    svc,
		Demo: func(ctx context.Context, seed local.SeedResult) error {
			if err := local.SeedLibrary(ctx, library.NewService(store, svc)); err != nil {
				return err
			}
			outbox := queue.NewPublisher(sqs.NewFromConfig(cfg), mailURL)
			invites := invite.NewService(store, svc, outbox, invite.Config{LearnerAppURL: learnerAppURL})
			return local.SeedLearner(ctx, invites, enroll.NewService(store, outbox, learnerAppURL), seed)
		},
		Logger: logger,
		Out:    out,
	}.Run(ctx)
}

// settings are the variables every function's settings are read from, and
// what was missing or invalid in them.
type settings struct {
	vars map[string]string
	errs []error
}

// read reads one function's settings from s's variables with its read
// function, recording its error.
func read[C any](s *settings, read func(*env.Reader) (C, string, error)) C {
	c, _, err := read(env.NewFrom(env.Map(s.vars)))
	s.errs = append(s.errs, err)
	return c
}

// reportsDailyHourUTC is the hour of the reports' daily run, as in the
// stack.
const reportsDailyHourUTC = 6
