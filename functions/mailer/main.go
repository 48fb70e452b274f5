// Command mailer is the Lambda behind the mail queue: it sends each queued
// email through SES at most once per email ID, within the account's send
// rate shared among its concurrent instances, and reports the records that
// failed so that only those come back (and end in the dead-letter queue).
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/functions/mailer"
	"github.com/learnops/backoffice/shared/app/start"
)

func main() {
	start.Main(mailer.Read, func(ctx context.Context, awsCfg aws.Config, c mailer.Config, logger *slog.Logger) (any, error) {
		return mailer.Handler(ctx, awsCfg, c, logger)
	})
}
