// Command reminders is the Lambda of the automated invitation reminders: on
// its Saturday schedule it reminds every invitee who has not joined, on the
// first and second Saturday after their invitation, once each; behind the
// API it lists the org's automated messages and switches the reminder per
// program.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadReminders, func(ctx context.Context, awsCfg aws.Config, c wire.RemindersConfig, logger *slog.Logger) (any, error) {
		t, err := wire.Reminders(ctx, awsCfg, c, logger)
		return t.Handle, err
	})
}
