// Command activity is the Lambda that records the learning platform's
// activity events (EventBridge, detail-type "Learning Activity"): progress,
// learning minutes, grades and completions of enrollments.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadActivity, func(_ context.Context, awsCfg aws.Config, c wire.ActivityConfig, logger *slog.Logger) (any, error) {
		return wire.Activity(awsCfg, c, logger), nil
	})
}
