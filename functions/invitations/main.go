// Command invitations is the Lambda behind the invitation routes: invite one
// learner, list, resend and remove invitations, and bulk CSV imports.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadInvitations, func(_ context.Context, awsCfg aws.Config, c wire.InvitationsConfig, logger *slog.Logger) (any, error) {
		return wire.Invitations(awsCfg, c, logger), nil
	})
}
