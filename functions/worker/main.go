// Command worker is the Lambda behind the work queue: long-running work in
// chunks, such as removing the members of a program being deleted, a batch
// at a time, before deleting it.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadWorker, func(_ context.Context, awsCfg aws.Config, c wire.WorkerConfig, logger *slog.Logger) (any, error) {
		return wire.Worker(awsCfg, c, logger), nil
	})
}
