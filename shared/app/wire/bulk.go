package wire

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/secrets"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/domain/optout"
)

// Bulk is the configuration of the functions that send mail that is not
// transactional (admin messages, reminders) and so sign unsubscribe links.
type Bulk struct {
	Learners
	// PublicBaseURL is the public base URL of the API (its custom domain in
	// AWS, the local gateway under make dev): every link to the API in an
	// email (unsubscribe) is built from it, never from the execute-api URL.
	PublicBaseURL string
	// UnsubscribeSecretID is the ARN (or name) of the Secrets Manager
	// secret that signs unsubscribe links.
	UnsubscribeSecretID string
}

// readBulk reads PUBLIC_BASE_URL and UNSUBSCRIBE_SECRET_ID besides learners'.
func readBulk(vars *env.Reader, learners Learners) Bulk {
	return Bulk{Learners: learners, PublicBaseURL: vars.Required("PUBLIC_BASE_URL"), UnsubscribeSecretID: vars.Required("UNSUBSCRIBE_SECRET_ID")}
}

// UnsubscribeSigner reads the signing secret from Secrets Manager (once, at
// cold start) and returns the signer of unsubscribe links. It returns
// Secrets Manager's error, or the signer's for a secret that is too short.
func UnsubscribeSigner(ctx context.Context, awsCfg aws.Config, c Bulk) (*optout.Signer, error) {
	secret, err := secrets.Read(ctx, secrets.Open(awsCfg), c.UnsubscribeSecretID)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe signing secret: %w", err)
	}
	return optout.NewSigner(secret, c.PublicBaseURL)
}
