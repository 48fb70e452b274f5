package awsconfig_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
)

func TestLoadHonoursTheEndpointVariable(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := awsconfig.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:4566" || cfg.Region != "us-east-1" {
		t.Errorf("endpoint %v, region %q", aws.ToString(cfg.BaseEndpoint), cfg.Region)
	}
	if !s3.NewFromConfig(cfg, awsconfig.S3Options).Options().UsePathStyle {
		t.Error("S3 clients of an emulator must use path-style addressing")
	}
}

func TestS3OptionsLeavesAWSAlone(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	if s3.NewFromConfig(aws.Config{Region: "eu-west-1"}, awsconfig.S3Options).Options().UsePathStyle {
		t.Error("path-style addressing turned on with no endpoint configured")
	}
	o := s3.Options{BaseEndpoint: aws.String("http://localhost:4566")}
	awsconfig.S3Options(&o)
	if !o.UsePathStyle {
		t.Error("an explicit endpoint should turn path-style addressing on")
	}
}
