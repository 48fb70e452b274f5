// Command feedback is the Lambda behind the feedback queue, which the SNS
// topic of the mailer's SES configuration set feeds: a hard bounce or a
// complaint suppresses the address (no more reminders or admin messages
// from any org) and marks its pending invitations, in every program,
// undeliverable. It reports the records that failed, so that only those
// come back (and end in the dead-letter queue).
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadFeedback, func(_ context.Context, awsCfg aws.Config, c wire.Base, logger *slog.Logger) (any, error) {
		return wire.Feedback(awsCfg, c, logger), nil
	})
}
