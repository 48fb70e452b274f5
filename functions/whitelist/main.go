// Command whitelist is the Lambda behind the email-domain whitelist routes:
// add, list and remove a program's whitelisted domains, and their CSV import.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadWhitelist, func(_ context.Context, awsCfg aws.Config, c wire.WhitelistConfig, logger *slog.Logger) (any, error) {
		return wire.Whitelist(awsCfg, c, logger), nil
	})
}
