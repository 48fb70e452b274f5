// Package wire is the composition root of the functions: for each function
// it declares its settings (a struct whose env tags name every variable it
// reads, once; the stack sets exactly those) and builds its handler, with
// only the services that function runs, from an AWS configuration. The
// Lambdas' main packages and the local dev runner both use it, so the
// handler that runs locally is wired exactly as the one that runs in AWS.
package wire

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
)

// Main is start.Main, for the functions' mains that wire here.
func Main[C any](read func(*env.Reader) (C, string, error), build func(ctx context.Context, awsCfg aws.Config, c C, logger *slog.Logger) (any, error)) {
	start.Main(read, build)
}

// Base is the configuration every function reads (start.Base).
type Base = start.Base

// newAdmins returns the admin service the functions other than admin
// authorise with: it checks callers and reads programs and contracts,
// and needs no setting (the admin function's own has program deletions,
// logos and programs' URLs).
func newAdmins(store *dynamo.Store) *admin.Service {
	return admin.NewService(store, admin.Config{})
}

// newInvite returns the invitation service on the store, queueing its
// emails on the outbox.
func newInvite(store *dynamo.Store, outbox *queue.Publisher, cfg invite.Config, logger *slog.Logger) *invite.Service {
	svc := invite.NewService(store, newAdmins(store), outbox, cfg)
	svc.Log = logger
	svc.Erasures = store
	return svc
}

// mailQueue returns the publisher of emails on the mail queue.
func mailQueue(awsCfg aws.Config, url string) *queue.Publisher {
	return queue.NewPublisher(queue.Open(awsCfg), url)
}

func bucket(awsCfg aws.Config, name string) *files.Store {
	return files.Open(awsCfg, name)
}
