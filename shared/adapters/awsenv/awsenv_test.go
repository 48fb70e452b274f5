package awsenv_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/adapters/awsenv"
)

func TestLoadReadsWhatLambdaSets(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_SESSION_TOKEN", "TOKEN")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4567")
	t.Setenv("AWS_MAX_ATTEMPTS", "5")
	cfg, err := awsenv.Load()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
		t.Errorf("credentials %+v", creds)
	}
	if cfg.Region != "eu-west-1" || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:4566" || cfg.RetryMaxAttempts != 5 {
		t.Errorf("region %q, endpoint %q, attempts %d", cfg.Region, aws.ToString(cfg.BaseEndpoint), cfg.RetryMaxAttempts)
	}
	if got := aws.ToString(s3.NewFromConfig(cfg).Options().BaseEndpoint); got != "http://127.0.0.1:4567" {
		t.Errorf("S3 endpoint %q, want the service's own AWS_ENDPOINT_URL_S3", got)
	}
	if got := aws.ToString(sqs.NewFromConfig(cfg).Options().BaseEndpoint); got != "http://127.0.0.1:4566" {
		t.Errorf("SQS endpoint %q, want AWS_ENDPOINT_URL", got)
	}
}

func TestLoadNamesWhatIsMissing(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_ACCESS_KEY", "")
	t.Setenv("AWS_SECRET_KEY", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	_, err := awsenv.Load()
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION, AWS_ACCESS_KEY_ID") {
		t.Fatalf("error %v, want AWS_REGION and AWS_ACCESS_KEY_ID named", err)
	}
}
