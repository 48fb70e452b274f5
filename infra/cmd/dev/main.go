// Command dev runs the whole back office locally, on the AWS endpoint of
// AWS_ENDPOINT_URL (run it through `make dev`, which starts moto there when
// nothing answers): it creates the table, queues and bucket, verifies the
// mail sender, serves every API function behind a local API Gateway on
// http://127.0.0.1:8080, seeds demo data and prints how to call it, until
// Ctrl-C.
//
// Environment: PORT (8080), SENDER_EMAIL (no-reply@learn.example.com),
// LEARNER_APP_URL (https://learn.example.com), LOG_LEVEL (info) and
// DEV_JWT_SECRET (the tokens' HS256 secret; local-dev-secret-change-me when
// unset, as in the Makefile).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/admin"
	"github.com/learnops/backoffice/shared/awsconfig"
	"github.com/learnops/backoffice/shared/dynamo"
	"github.com/learnops/backoffice/shared/emulator"
	"github.com/learnops/backoffice/shared/env"
	"github.com/learnops/backoffice/shared/httpapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	vars := env.New()
	port := vars.Optional("PORT", "8080")
	sender := vars.Optional("SENDER_EMAIL", "no-reply@learn.example.com")
	learnerAppURL := vars.Optional("LEARNER_APP_URL", "https://learn.example.com")
	logger := env.Logger(vars.Optional("LOG_LEVEL", "info"))
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
	names := emulator.DefaultNames()

	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), names.Table)
	svc := admin.NewService(store, admin.Config{LearnerAppURL: learnerAppURL})
	handlers := map[string]local.Handler{
		httpapi.FunctionAdmin: local.Handler(httpapi.NewAdminHandler(svc, store, logger)),
	}

	return local.Dev{
		AWS:      cfg,
		Names:    names,
		Addr:     net.JoinHostPort("127.0.0.1", port),
		Secret:   secret,
		Sender:   sender,
		Routes:   httpapi.Routes,
		Handlers: handlers,
		Admin:    svc,
		Logger:   logger,
		Out:      os.Stdout,
	}.Run(ctx)
}
