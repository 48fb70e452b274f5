package wire

import (
	"github.com/learnops/backoffice/shared/app/start"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/domain/feedback"
)

var _ feedback.Store = (*dynamo.Store)(nil)

// ReadFeedback reads the feedback function's settings, Base: TABLE_NAME
// and LOG_LEVEL. Its error names every missing variable.
func ReadFeedback(vars *env.Reader) (Base, string, error) { return start.Read[Base](vars) }

// Feedback returns the feedback function's handler: SES's bounce and
// complaint notifications from the feedback queue, suppressing addresses
// and marking their pending invitations undeliverable, with partial batch
// failures.
func Feedback(awsCfg aws.Config, c Base, logger *slog.Logger) queue.Handler {
	store := start.OpenStore(awsCfg, c)
	return queue.BatchHandler(feedback.NewHandler(store, time.Now, logger).Handle, logger)
}
