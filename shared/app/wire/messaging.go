package wire

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
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

// Messaging is the messaging function's configuration.
type Messaging struct {
	Bulk
	// PlanQueueURL is the function's own queue of plan items: the chunks
	// of the messages being sent.
	PlanQueueURL string
}

// ReadMessaging reads the messaging function's configuration: TABLE_NAME,
// LEARNER_APP_URL, MAIL_QUEUE_URL, PUBLIC_BASE_URL, UNSUBSCRIBE_SECRET_ID,
// PLAN_QUEUE_URL and LOG_LEVEL. Its error names every missing variable.
func ReadMessaging(vars *env.Reader) (Messaging, string, error) {
	learners := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"), MailQueueURL: vars.Required("MAIL_QUEUE_URL")}
	c := Messaging{Bulk: readBulk(vars, learners), PlanQueueURL: vars.Required("PLAN_QUEUE_URL")}
	return c, c.LogLevel, vars.Err()
}

// MessagingHandler builds the messaging function's handler: its API (the
// messages, the presets, the settings and the public unsubscribe pages) and
// its plan queue (the planner, a chunk of a message at a time, with
// partial batch failures). It reads the unsubscribe signing secret at once
// and returns Secrets Manager's error.
func MessagingHandler(ctx context.Context, awsCfg aws.Config, c Messaging, logger *slog.Logger) (Triggers, error) {
	signer, err := UnsubscribeSigner(ctx, awsCfg, c.Bulk)
	if err != nil {
		return Triggers{}, err
	}
	store := dynamo.Open(awsCfg, c.Table).MessagingStore()
	client := queue.Open(awsCfg)
	plans := queue.NewWork(client, c.PlanQueueURL)
	svc := messaging.NewService(store, admin.NewAuthorizer(store), plans,
		messaging.Config{LearnerAppURL: c.LearnerAppURL})
	svc.Log = logger
	planner := messaging.NewPlanner(store, queue.NewPublisher(client, c.MailQueueURL), plans, signer,
		messaging.PlanConfig{LearnerAppURL: c.LearnerAppURL})
	planner.Log = logger
	return Triggers{
		API:   httpapi.NewMessagingHandler(svc, messaging.NewUnsubscriber(signer, store), logger),
		Queue: queue.BatchHandler(planner.Handle, logger),
	}, nil
}
