// Package messaging is the messaging function's wiring: its settings and
// its handler (API and plan queue). It imports only what the function runs.
package messaging

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/adapters/secrets"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/app/triggers"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/domain/optout"
)

// The adapters the messaging function is wired with implement the ports
// its domain declares.
var (
	_ messaging.Authorizer = (*admin.Authorizer)(nil)
	_ messaging.PlanQueue  = (*queue.Work)(nil)
	_ messaging.Outbox     = (*queue.Publisher)(nil)
	_ messaging.Links      = (*optout.Signer)(nil)
	_ messaging.Verifier   = (*optout.Signer)(nil)
)

// Config is the messaging function's settings, each variable declared
// once in its field's tag: Read fills it, and the stack sets the variables
// it names.
type Config struct {
	start.Base
	// LearnerAppURL is the learner app, which the emails link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue the planner puts the emails on.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// PublicBaseURL is the public base URL of the API (its custom domain in
	// AWS, the local gateway under make dev): the unsubscribe links are
	// built from it, never from the execute-api URL.
	PublicBaseURL string `env:"PUBLIC_BASE_URL"`
	// UnsubscribeSecretID is the ARN (or name) of the Secrets Manager
	// secret that signs unsubscribe links.
	UnsubscribeSecretID string `env:"UNSUBSCRIBE_SECRET_ID"`
	// PlanQueueURL is the function's own queue of plan items: the chunks
	// of the messages being sent.
	PlanQueueURL string `env:"PLAN_QUEUE_URL"`
}

// Read reads the messaging function's settings (Config). Its error names
// every missing variable.
func Read(vars *env.Reader) (Config, string, error) { return start.Read[Config](vars) }

// Handler builds the messaging function's handler: its API (the
// messages, the presets, the settings and the public unsubscribe pages) and
// its plan queue (the planner, a chunk of a message at a time, with
// partial batch failures). It reads the unsubscribe signing secret at once
// and returns Secrets Manager's error.
func Handler(ctx context.Context, awsCfg aws.Config, c Config, logger *slog.Logger) (triggers.Triggers, error) {
	signer, err := secrets.UnsubscribeSigner(ctx, awsCfg, c.UnsubscribeSecretID, c.PublicBaseURL)
	if err != nil {
		return triggers.Triggers{}, err
	}
	store := start.OpenStore(awsCfg, c.Base).MessagingStore()
	client := queue.Open(awsCfg)
	plans := queue.NewWork(client, c.PlanQueueURL)
	svc := messaging.NewService(store, admin.NewAuthorizer(store), plans,
		messaging.Config{LearnerAppURL: c.LearnerAppURL, PublicBaseURL: c.PublicBaseURL})
	svc.Log = logger
	planner := messaging.NewPlanner(store, queue.NewPublisher(client, c.MailQueueURL), plans, signer,
		messaging.PlanConfig{LearnerAppURL: c.LearnerAppURL})
	planner.Log = logger
	return triggers.Triggers{
		API:   httpapi.NewMessagingHandler(svc, messaging.NewUnsubscriber(signer, store), logger),
		Queue: queue.BatchHandler(planner.Handle, logger),
	}, nil
}
