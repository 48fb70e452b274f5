// Command members is the Lambda behind the members routes of a program's
// admins: the members view and its exports, and removing learners, with or
// without permission to return.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadMembers, func(_ context.Context, awsCfg aws.Config, c wire.MembersConfig, logger *slog.Logger) (any, error) {
		return wire.Members(awsCfg, c, logger), nil
	})
}
