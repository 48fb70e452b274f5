package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/testkit/emulator"
)

// DefaultConsoleOrigin is the origin of the admin console run on a
// developer's machine, which make dev's gateway admits by CORS.
const DefaultConsoleOrigin = "http://localhost:5173"

// shutdownTimeout bounds the wait for requests in flight when stopping.
const shutdownTimeout = 10 * time.Second

// DemoTokenTTL is how long the token printed at start-up stays valid.
const DemoTokenTTL = 12 * time.Hour

// Dev is the whole back office running locally: what `make dev` starts.
type Dev struct {
	// AWS is the configuration of the emulator's endpoint (BaseEndpoint set).
	AWS aws.Config
	// Names are the resource names to provision; emulator.DefaultNames()
	// unless a test wants its own.
	Names emulator.Names
	// Addr is the gateway's listen address, such as "127.0.0.1:8080".
	Addr string
	// Secret verifies the gateway's tokens and signs the printed one.
	Secret []byte
	// ConsoleOrigin is the one origin the gateway's CORS admits (WithCORS);
	// "" answers no CORS.
	ConsoleOrigin string
	// Sender is the SES identity mail is sent from; it is verified.
	Sender string
	// Routes are the routes the gateway serves (httpapi.Routes).
	Routes []httpapi.Route
	// Handlers are the API functions' handlers, by function name.
	Handlers map[string]Handler
	// LocalRoutes are served beside the gateway, by net/http pattern
	// ("POST /_local/..."): local stand-ins for what AWS does on its own,
	// such as SES's notifications. They take no token.
	LocalRoutes map[string]http.Handler
	// Workers run beside the gateway until the context ends (queue
	// consumers, schedules). A worker's error is logged; it stops nothing else.
	Workers map[string]func(ctx context.Context) error
	// Activity, when set, is the activity function's handler, fed by the
	// local-only route ActivityPath (the learning platform's stand-in).
	Activity ActivityHandler
	// Console, when set, serves the built admin console (ConsoleFiles) on
	// every GET or HEAD path outside the API's /v1/.
	Console http.Handler
	// Admin seeds the demo data when set.
	Admin *admin.Service
	// Demo, when set, adds to the seeded demo data (SeedLearner); its
	// failure is logged.
	Demo   func(ctx context.Context, seed SeedResult) error
	Logger *slog.Logger
	// Out receives the instructions printed once everything runs.
	Out io.Writer
}

// Run provisions the resources on the endpoint (idempotently), verifies the
// sender, seeds the demo data, serves the gateway on Addr and starts the
// workers, prints what to do next, and then runs until ctx ends, when it
// stops accepting requests and waits for those in flight and for the
// workers. It returns an error when provisioning fails, when Addr cannot be
// listened on, or when the server fails; a seeding failure is logged and the
// system runs without the demo data.
func (d Dev) Run(ctx context.Context) error {
	prov, err := emulator.Provision(ctx, d.AWS, d.Names)
	if err != nil {
		return err
	}
	queues := map[string]string{}
	for name, q := range prov.Queues {
		queues[name] = q.URL
	}
	d.Logger.Info("resources ready", slog.String("endpoint", aws.ToString(d.AWS.BaseEndpoint)),
		slog.String("table", prov.Table), slog.String("bucket", prov.Bucket), slog.Any("queues", queues))
	if err := emulator.VerifySender(ctx, d.AWS, d.Sender); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", d.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set PORT to use another port): %w", d.Addr, err)
	}
	defer ln.Close()

	var seed *SeedResult
	if d.Admin != nil {
		res, err := Seed(ctx, d.Admin)
		if err != nil {
			// Most likely an endpoint kept from an earlier run that holds the
			// demo program already; the API is usable all the same.
			d.Logger.Error("demo data not seeded; the API runs without it", slog.String("error", err.Error()))
		} else {
			seed = &res
			if d.Demo != nil {
				if err := d.Demo(ctx, res); err != nil {
					d.Logger.Error("demo learner not seeded", slog.String("error", err.Error()))
				}
			}
			d.Logger.Info("demo data seeded", slog.String("orgId", res.OrgID), slog.String("programId", res.ProgramID))
		}
	}

	srv := &http.Server{
		Handler:           d.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(d.Logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(JSONErrors(ln)) }()

	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	var workers sync.WaitGroup
	for name, work := range d.Workers {
		workers.Go(func() {
			if err := work(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				d.Logger.Error("worker stopped", slog.String("worker", name), slog.String("error", err.Error()))
			}
		})
	}

	if err := d.printNextSteps("http://"+ln.Addr().String(), seed); err != nil {
		d.Logger.Warn("could not print the next steps", slog.String("error", err.Error()))
	}

	select {
	case err := <-served:
		stopWork()
		workers.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	d.Logger.Info("shutting down")
	stopWork()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	workers.Wait()
	if err != nil {
		return fmt.Errorf("shut down the gateway: %w", err)
	}
	return nil
}

// handler is the gateway, with the local-only routes beside it: LocalRoutes
// and, when Activity is set, ActivityPath.
func (d Dev) handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range d.LocalRoutes {
		mux.Handle(pattern, h)
	}
	if d.Activity != nil {
		mux.Handle(ActivityPath, ActivityFeed(d.Activity, d.Logger))
	}
	var gateway http.Handler = NewGateway(d.Routes, d.Handlers, d.Secret, d.Logger, WithCORS(d.ConsoleOrigin))
	if d.Console != nil {
		gateway = withConsole(gateway, d.Console)
	}
	mux.Handle("/", gateway)
	return mux
}

// printNextSteps tells the developer how to call the running system.
func (d Dev) printNextSteps(base string, seed *SeedResult) error {
	endpoint := aws.ToString(d.AWS.BaseEndpoint)
	msg := fmt.Sprintf("\nThe back office runs on %s (AWS endpoint %s). Ctrl-C stops it.\n\n", base, endpoint)
	if d.Console != nil {
		msg += fmt.Sprintf("  Admin console:  %s/ (sign in with any email; the seeded org admin below sees the demo org)\n", base)
	}
	msg += fmt.Sprintf("  Health:  curl %s/v1/health\n", base)
	if seed != nil {
		tok, err := MintToken(d.Secret, TokenClaims{Email: seed.AdminEmail, EmailVerified: true}, DemoTokenTTL)
		if err != nil {
			return err
		}
		msg += fmt.Sprintf("\n  %s (%s), program %q (%s), as its org admin %s:\n\n", seed.OrgName, seed.OrgID, seed.ProgramSlug, seed.ProgramID, seed.AdminEmail)
		msg += fmt.Sprintf("  curl -H \"Authorization: Bearer %s\" %s/v1/orgs/%s\n\n", tok, base, seed.OrgID)
		msg += fmt.Sprintf("  Its programs: %s/v1/orgs/%s/programs, with the same header (the token lasts %s).\n", base, seed.OrgID, DemoTokenTTL)
		if d.Console != nil {
			msg += fmt.Sprintf("  In the console: %s/orgs/%s (sign in as %s).\n", base, seed.OrgID, seed.AdminEmail)
		}
		// The README's examples use these variables: one line to paste.
		msg += fmt.Sprintf("\n  For the README's examples, paste into your shell:\n\n    export BASE=%s TOKEN=%s ORG_ID=%s\n", base, tok, seed.OrgID)
	}
	msg += "\n  Tokens for anyone else:  make token EMAIL=ada@example.com [GROUPS=platform-operators]\n"
	if d.Activity != nil {
		slug := "..."
		if seed != nil {
			slug = seed.ProgramSlug
		}
		msg += fmt.Sprintf("  Learning activity:       curl -X POST %s%s -H 'Content-Type: application/json' \\\n", base, ActivityPath)
		msg += fmt.Sprintf("                             -d '{\"programSlug\":\"%s\",\"email\":\"%s\",\"itemId\":\"%s\",\"occurredAt\":\"2026-01-31T09:00:00Z\",\"progress\":40}'\n", slug, DemoLearnerEmail, DemoCourseID)
		msg += "                           (local only: an EventBridge event's detail, as events/activity/*.json)\n"
	}
	msg += fmt.Sprintf("  Emails sent:             %s/_aws/ses (LocalStack, and moto as make dev runs it; plain moto: %s/moto-api/data.json)\n", endpoint, endpoint)
	if _, ok := d.LocalRoutes["POST "+SESNotificationPath]; ok {
		msg += fmt.Sprintf("  Feed SES a bounce:       curl -X POST %s%s -d '{\"type\":\"bounce\",\"email\":\"ada@example.com\"}' (or complaint, soft-bounce)\n", base, SESNotificationPath)
	}
	if _, ok := d.LocalRoutes["POST "+RemindersPath]; ok {
		msg += fmt.Sprintf("  Saturday reminders now:  curl -X POST '%s%s?date=YYYY-MM-DD' (a Saturday; running one twice reminds once)\n", base, RemindersPath)
	}
	if _, ok := d.LocalRoutes["POST "+ReportsDailyRunPath]; ok {
		msg += fmt.Sprintf("  Weekly reports due now:  curl -X POST '%s%s?date=YYYY-MM-DD' (today without a date; twice sends once)\n", base, ReportsDailyRunPath)
	}
	msg += "\n"
	_, err := io.WriteString(d.Out, msg)
	return err
}
