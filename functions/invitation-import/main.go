// Command invitation-import is the Lambda that processes uploaded bulk
// invitation CSVs: S3 calls it for every object created under imports/.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadInvitationImport, func(_ context.Context, awsCfg aws.Config, c wire.InvitationImportConfig, logger *slog.Logger) (any, error) {
		return wire.InvitationImport(awsCfg, c, logger), nil
	})
}
