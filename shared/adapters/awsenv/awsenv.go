// Package awsenv builds the AWS SDK configuration of a function running in
// AWS Lambda from its environment alone: the region, the execution role's
// credentials, which Lambda sets in every function's environment, and the
// SDK's endpoint and retry variables. It is what the SDK's default
// configuration (package awsconfig) resolves inside Lambda, without
// importing the SDK's config package and the credential sources a function
// never has there (shared files, SSO, assumed roles, processes, instance
// metadata), whose code and initialisers every binary would link.
package awsenv

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// Load returns the configuration from the environment: AWS_REGION (or
// AWS_DEFAULT_REGION); AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN; AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), AWS_MAX_ATTEMPTS,
// AWS_RETRY_MODE and AWS_SDK_UA_APP_ID, as the SDK reads them. It returns
// an error naming every missing variable, or a malformed one.
func Load() (aws.Config, error) {
	region := first("AWS_REGION", "AWS_DEFAULT_REGION")
	creds := aws.Credentials{
		AccessKeyID:     first("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
		SecretAccessKey: first("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          credentials.StaticCredentialsName,
	}
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if creds.AccessKeyID == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if creds.SecretAccessKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, fmt.Errorf("AWS settings missing from the environment: %s", strings.Join(missing, ", "))
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: creds}),
		Logger:      logging.NewStandardLogger(os.Stderr),
		AppID:       os.Getenv("AWS_SDK_UA_APP_ID"),
	}
	if v := os.Getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return aws.Config{}, fmt.Errorf("AWS_MAX_ATTEMPTS=%q must be a whole number", v)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := os.Getenv("AWS_RETRY_MODE"); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("AWS_RETRY_MODE: %w", err)
		}
		cfg.RetryMode = mode
	}
	if ignore, _ := strconv.ParseBool(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")); !ignore {
		if v := os.Getenv("AWS_ENDPOINT_URL"); v != "" {
			cfg.BaseEndpoint = aws.String(v)
		}
		// The service clients ask their configuration's sources for
		// AWS_ENDPOINT_URL_<SERVICE>.
		cfg.ConfigSources = []any{serviceEndpoints{}}
	}
	return cfg, nil
}

// first returns the value of the first of the variables that is set.
func first(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// serviceEndpoints answers the service clients' question for a service's
// own endpoint, AWS_ENDPOINT_URL_<SERVICE ID, upper case, spaces as
// underscores>, as the SDK's config package does.
type serviceEndpoints struct{}

// GetServiceBaseEndpoint returns the service's endpoint variable's value
// and whether it is set.
func (serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := os.Getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}
