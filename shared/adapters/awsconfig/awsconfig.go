// Package awsconfig loads the AWS SDK configuration every function and tool
// of the back office uses. It is the SDK's default configuration and nothing
// more, so the SDK's own AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>)
// points every client at a local emulator without a code path of its own.
package awsconfig

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/learnops/backoffice/shared/adapters/files"
)

// Load returns the SDK's default configuration: region, credentials and
// endpoint from the environment, the shared config files or the Lambda
// execution role, with optFns applied on top. It returns the SDK's error when
// that configuration cannot be resolved (for example a malformed shared
// config file or a profile that does not exist).
func Load(ctx context.Context, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// S3Options is an option for s3.NewFromConfig: path-style addressing when
// the client talks to a configured endpoint (see files.PathStyle).
//
//	client := s3.NewFromConfig(cfg, awsconfig.S3Options)
var S3Options = files.PathStyle
