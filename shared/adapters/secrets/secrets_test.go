package secrets_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/learnops/backoffice/shared/adapters/secrets"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestRead(t *testing.T) {
	cfg := emulatortest.Config(t)
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()
	arn := emulatortest.NewSecret(t, cfg, "s3cr3t-value")
	got, err := secrets.Read(ctx, client, arn)
	if err != nil || string(got) != "s3cr3t-value" {
		t.Fatalf("Read = %q, %v", got, err)
	}
	if _, err := secrets.Read(ctx, client, arn+"-missing"); err == nil {
		t.Fatal("Read of a missing secret succeeded")
	}
}
