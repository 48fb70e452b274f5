// Package awsconfig loads the AWS SDK configuration every function and tool
// of the back office uses. It is the SDK's default configuration and nothing
// more, so the SDK's own AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>)
// points every client at a local emulator without a code path of its own.
package awsconfig

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
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

// S3Options is an option for s3.NewFromConfig: it turns on path-style
// addressing when the client talks to a configured endpoint (a local
// emulator), where bucket-name subdomains of 127.0.0.1 cannot resolve. Against
// AWS itself it changes nothing.
//
//	client := s3.NewFromConfig(cfg, awsconfig.S3Options)
func S3Options(o *s3.Options) {
	if o.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != "" {
		o.UsePathStyle = true
	}
}

// Lambda returns the configuration of a function running in AWS Lambda,
// read from its environment only: the region (AWS_REGION), the execution
// role's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), which Lambda sets in every function's environment,
// and the SDK's other environment settings (AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE>, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE,
// AWS_SDK_UA_APP_ID). It is what Load resolves in Lambda, without linking
// the credential sources a function never has there (shared config files,
// SSO, assumed roles, processes, instance metadata): about 0.5 MB less in
// every binary. It returns an error naming what is missing or malformed.
func Lambda() (aws.Config, error) {
	e, err := config.NewEnvConfig()
	if err != nil {
		return aws.Config{}, fmt.Errorf("read AWS settings from the environment: %w", err)
	}
	var missing []string
	if e.Region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if e.Credentials.AccessKeyID == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if e.Credentials.SecretAccessKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, fmt.Errorf("AWS settings missing from the environment: %s", strings.Join(missing, ", "))
	}
	cfg := aws.Config{
		Region:           e.Region,
		Credentials:      aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: e.Credentials}),
		Logger:           logging.NewStandardLogger(os.Stderr),
		RetryMaxAttempts: e.RetryMaxAttempts,
		RetryMode:        e.RetryMode,
		AppID:            e.AppID,
		// The service clients read AWS_ENDPOINT_URL_<SERVICE> from here.
		ConfigSources: []any{serviceEndpoints(e.GetServiceBaseEndpoint)},
	}
	if e.BaseEndpoint != "" && (e.IgnoreConfiguredEndpoints == nil || !*e.IgnoreConfiguredEndpoints) {
		cfg.BaseEndpoint = aws.String(e.BaseEndpoint)
	}
	return cfg, nil
}

// serviceEndpoints is the environment's AWS_ENDPOINT_URL_<SERVICE> lookup,
// which the service clients ask their configuration's sources for. It is
// a method value rather than the EnvConfig itself, whose hundred-odd
// methods a binary that runs templates (keeping every exported method of
// what it holds in an interface) would link.
type serviceEndpoints func(ctx context.Context, sdkID string) (string, bool, error)

// GetServiceBaseEndpoint returns the service's endpoint from the
// environment, and whether there is one.
func (f serviceEndpoints) GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error) {
	return f(ctx, sdkID)
}
