// Command reports is the Lambda of the admins' reports: behind the API it
// takes report and gradebook requests and the weekly schedule; from the
// report queue it builds each report into the files bucket and emails its
// link; on the daily schedule it sends the weekly reports due that day.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadReports, func(_ context.Context, awsCfg aws.Config, c wire.Reports, logger *slog.Logger) (any, error) {
		return wire.ReportsTriggers(awsCfg, c, logger).Handle, nil
	})
}
