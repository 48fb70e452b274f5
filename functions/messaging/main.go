// Command messaging is the Lambda of admins' messages to learners: its API
// drafts, previews and sends them and serves the public unsubscribe links;
// its plan queue fans each message out to the mail queue, a chunk at a
// time.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/functions/messaging"
	"github.com/learnops/backoffice/shared/app/start"
)

func main() {
	start.Main(messaging.Read, func(ctx context.Context, awsCfg aws.Config, c messaging.Config, logger *slog.Logger) (any, error) {
		t, err := messaging.Handler(ctx, awsCfg, c, logger)
		return t.Handle, err
	})
}
