// Package secrets adapts AWS Secrets Manager: it reads the secrets the
// functions need at cold start (the unsubscribe links' signing key).
package secrets

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/learnops/backoffice/shared/domain/optout"
)

// Client is the part of the Secrets Manager API the package uses.
type Client interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ Client = (*secretsmanager.Client)(nil)

// Read returns the current value of the secret (its ARN or name): the
// string value, or the binary one. It returns Secrets Manager's error, and
// an error for a secret with no value.
func Read(ctx context.Context, client Client, id string) ([]byte, error) {
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", id, err)
	}
	switch {
	case out.SecretString != nil && *out.SecretString != "":
		return []byte(*out.SecretString), nil
	case len(out.SecretBinary) > 0:
		return out.SecretBinary, nil
	}
	return nil, fmt.Errorf("read secret %s: it has no value", id)
}

// getSecretValue is the SDK client's GetSecretValue as a method value: a
// Client that holds no *secretsmanager.Client, so that a binary that runs
// templates (which call methods by name, through reflection, and so keep
// every exported method of every type held in an interface) does not link
// the whole Secrets Manager API.
type getSecretValue func(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)

// GetSecretValue calls the SDK's GetSecretValue.
func (f getSecretValue) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return f(ctx, in, opts...)
}

// Open returns a Client built from cfg.
func Open(cfg aws.Config) Client {
	return getSecretValue(secretsmanager.NewFromConfig(cfg).GetSecretValue)
}

// UnsubscribeSigner reads the unsubscribe links' signing secret (its ARN or
// name) with a client built from cfg, once, at cold start, and returns the
// signer of links under publicBaseURL. It returns Secrets Manager's error,
// or the signer's for a secret that is too short.
func UnsubscribeSigner(ctx context.Context, cfg aws.Config, secretID, publicBaseURL string) (*optout.Signer, error) {
	secret, err := Read(ctx, Open(cfg), secretID)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe signing secret: %w", err)
	}
	return optout.NewSigner(secret, publicBaseURL)
}
