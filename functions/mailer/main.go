// Command mailer is the Lambda behind the mail queue: it sends each queued
// email through SES at most once per email ID, within the account's send
// rate shared among its concurrent instances, and reports the records that
// failed so that only those come back (and end in the dead-letter queue).
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadMailer, func(ctx context.Context, awsCfg aws.Config, c wire.Mailer, logger *slog.Logger) (any, error) {
		return wire.MailerHandler(ctx, awsCfg, c, logger)
	})
}
