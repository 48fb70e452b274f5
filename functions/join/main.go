// Command join is the Lambda behind the learner's joining routes: accepting
// an invitation (and, with the whitelist capability, self-joining).
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadJoin, func(_ context.Context, awsCfg aws.Config, c wire.JoinConfig, logger *slog.Logger) (any, error) {
		return wire.Join(awsCfg, c, logger), nil
	})
}
