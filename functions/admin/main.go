// Command admin is the Lambda behind the admin routes of the HTTP API:
// health, organisations, admins, contracts, programs and catalogues.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadAdmin, func(_ context.Context, awsCfg aws.Config, c wire.AdminConfig, logger *slog.Logger) (any, error) {
		return wire.Admin(awsCfg, c, logger), nil
	})
}
