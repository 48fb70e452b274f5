package wire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/secrets"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/optout"
)

// Bulk is start.Bulk.
type Bulk = start.Bulk

func readBulk(vars *env.Reader, learners Learners) Bulk { return start.ReadBulk(vars, learners) }

// UnsubscribeSigner reads the signing secret from Secrets Manager (once, at
// cold start) and returns the signer of unsubscribe links. It returns
// Secrets Manager's error, or the signer's for a secret that is too short.
func UnsubscribeSigner(ctx context.Context, awsCfg aws.Config, c Bulk) (*optout.Signer, error) {
	return secrets.UnsubscribeSigner(ctx, awsCfg, c.UnsubscribeSecretID, c.PublicBaseURL)
}
