// Command enrollment is the Lambda behind a member's enrollment routes:
// enroll in and unenroll from the program's catalogue, and list enrollments.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/app/wire"
)

func main() {
	wire.Main(wire.ReadEnrollment, func(_ context.Context, awsCfg aws.Config, c wire.EnrollmentConfig, logger *slog.Logger) (any, error) {
		return wire.Enrollment(awsCfg, c, logger), nil
	})
}
