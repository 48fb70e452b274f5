package emulator_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/secrets"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestProvisionCreatesEveryResourceAsDeclared(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()
	names := emulator.UniqueNames("provision")
	emulatortest.DeleteOnCleanup(t, cfg, names)

	got, err := emulator.Provision(ctx, cfg, names)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}

	t.Run("table", func(t *testing.T) { checkTable(t, cfg, names.Table) })
	t.Run("queues", func(t *testing.T) {
		if len(got.Queues) != len(resources.Queues) {
			t.Fatalf("got %d queues, want %d", len(got.Queues), len(resources.Queues))
		}
		for _, spec := range resources.Queues {
			q := got.Queues[spec.Name]
			if q.Name != names.Queues[spec.Name].Name || q.DeadLetterName != names.Queues[spec.Name].DeadLetterName {
				t.Errorf("queue %s created as %q/%q, want the names given", spec.Name, q.Name, q.DeadLetterName)
			}
			checkQueue(t, cfg, spec, q.URL, q.DeadLetterURL)
		}
	})
	t.Run("bucket", func(t *testing.T) { checkBucket(t, cfg, names.Bucket) })

	t.Run("idempotent", func(t *testing.T) {
		again, err := emulator.Provision(ctx, cfg, names)
		if err != nil {
			t.Fatalf("second Provision: %v", err)
		}
		for name, q := range got.Queues {
			if again.Queues[name] != q {
				t.Errorf("queue %s: second run gave %+v, first %+v", name, again.Queues[name], q)
			}
		}
		checkTable(t, cfg, names.Table)
	})
}

func TestProvisionRestoresChangedQueueAttributes(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()
	names := emulator.UniqueNames("drift")
	emulatortest.DeleteOnCleanup(t, cfg, names)
	got, err := emulator.Provision(ctx, cfg, names)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	q := got.Queues[resources.MailQueue.Name]
	_, err = sqs.NewFromConfig(cfg).SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl:   aws.String(q.URL),
		Attributes: map[string]string{"VisibilityTimeout": "7"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.Provision(ctx, cfg, names); err != nil {
		t.Fatalf("Provision over a changed queue: %v", err)
	}
	checkQueue(t, cfg, resources.MailQueue, q.URL, q.DeadLetterURL)
}

func TestProvisionRefusesWithoutEndpoint(t *testing.T) {
	_, err := emulator.Provision(t.Context(), aws.Config{Region: "us-east-1"}, emulator.DefaultNames())
	if err == nil || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Fatalf("Provision without an endpoint = %v, want a refusal naming AWS_ENDPOINT_URL", err)
	}
}

func TestNames(t *testing.T) {
	d := emulator.DefaultNames()
	if d.Table != resources.Table.Name || d.Bucket != resources.Bucket.Name {
		t.Errorf("DefaultNames = %+v", d)
	}
	for _, q := range resources.Queues {
		if d.Queues[q.Name] != (emulator.QueueNames{Name: q.Name, DeadLetterName: q.DeadLetterName}) {
			t.Errorf("DefaultNames queue %s = %+v", q.Name, d.Queues[q.Name])
		}
	}

	a, b := emulator.UniqueNames("Some Test/With_Odd Chars and a long name"), emulator.UniqueNames("Some Test/With_Odd Chars and a long name")
	if a.Table == b.Table || a.Bucket == b.Bucket {
		t.Errorf("UniqueNames returned the same names twice: %q", a.Table)
	}
	for _, n := range []string{a.Bucket, a.Table, a.Queues[resources.MailQueue.Name].DeadLetterName} {
		if len(n) > 63 || strings.ToLower(n) != n || strings.ContainsAny(n, " /_") {
			t.Errorf("name %q is not valid for every service", n)
		}
	}
}

func TestVerifySender(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()
	addr := "no-reply+" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@learn.example.com"
	for range 2 { // verifying twice is harmless
		if err := emulator.VerifySender(ctx, cfg, addr); err != nil {
			t.Fatalf("VerifySender: %v", err)
		}
	}
	client := ses.NewFromConfig(cfg)
	ids, err := client.ListIdentities(ctx, &ses.ListIdentitiesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids.Identities, addr) {
		t.Fatalf("identities %v do not include %s", ids.Identities, addr)
	}
	// The point of verifying: the emulator now accepts mail from the sender.
	_, err = client.SendEmail(ctx, &ses.SendEmailInput{
		Source:      aws.String(addr),
		Destination: &sestypes.Destination{ToAddresses: []string{"ada@example.com"}},
		Message: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("hello")},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("from the emulator test")}},
		},
	})
	if err != nil {
		t.Fatalf("SendEmail from a verified sender: %v", err)
	}
}

func TestEnsureSecret(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()
	name := emulator.UniquePrefix("secret") + "unsubscribe"
	arn, err := emulator.EnsureSecret(ctx, cfg, name)
	if err != nil {
		t.Fatal(err)
	}
	client := secretsmanager.NewFromConfig(cfg)
	t.Cleanup(func() {
		_, _ = client.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	first, err := secrets.Read(ctx, client, arn)
	if err != nil || len(first) != 64 {
		t.Fatalf("secret value %q, %v; want 64 characters", first, err)
	}
	// Again: the same secret, with the same value.
	again, err := emulator.EnsureSecret(ctx, cfg, name)
	if err != nil || again != arn {
		t.Fatalf("second call: %s, %v; want %s", again, err, arn)
	}
	if v, _ := secrets.Read(ctx, client, arn); string(v) != string(first) {
		t.Fatal("the second call changed the value")
	}
}

func TestHelpersCreateUsableResources(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()

	table := emulatortest.NewTable(t, cfg)
	checkTable(t, cfg, table)
	ddb := dynamodb.NewFromConfig(cfg)
	_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
		resources.AttrPK: &ddbtypes.AttributeValueMemberS{Value: "ORG#1"},
		resources.AttrSK: &ddbtypes.AttributeValueMemberS{Value: "ORG"},
	}})
	if err != nil {
		t.Errorf("PutItem: %v", err)
	}

	url, dlq := emulatortest.NewQueue(t, cfg, resources.WorkQueue)
	checkQueue(t, cfg, resources.WorkQueue, url, dlq)
	if _, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("{}")}); err != nil {
		t.Errorf("SendMessage: %v", err)
	}

	bucket := emulatortest.NewBucket(t, cfg)
	checkBucket(t, cfg, bucket)
	// Left in the bucket on purpose: the cleanup must empty it to delete it.
	_, err = s3.NewFromConfig(cfg, awsconfig.S3Options).PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("reports/r1.zip"), Body: strings.NewReader("zip"),
	})
	if err != nil {
		t.Errorf("PutObject: %v", err)
	}
}

func TestEndpointAnswers(t *testing.T) {
	url := emulatortest.Endpoint(t)
	t.Logf("endpoint %s", url)
	if !strings.HasPrefix(url, "http://") {
		t.Fatalf("Endpoint = %q", url)
	}
	// Both Config calls share the one endpoint started for the process.
	if got := *emulatortest.Config(t).BaseEndpoint; got != url {
		t.Errorf("Config endpoint %q differs from Endpoint %q", got, url)
	}
}

func checkTable(t *testing.T, cfg aws.Config, name string) {
	t.Helper()
	ctx := t.Context()
	client := dynamodb.NewFromConfig(cfg)
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTable %s: %v", name, err)
	}
	tbl := out.Table
	if tbl.TableStatus != ddbtypes.TableStatusActive {
		t.Errorf("table status %s", tbl.TableStatus)
	}
	if got := keys(tbl.KeySchema); got != "PK/HASH SK/RANGE" {
		t.Errorf("table keys %q", got)
	}
	if tbl.BillingModeSummary == nil || tbl.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest {
		t.Errorf("billing mode %+v, want PAY_PER_REQUEST", tbl.BillingModeSummary)
	}
	indexes := map[string]ddbtypes.GlobalSecondaryIndexDescription{}
	for _, ix := range tbl.GlobalSecondaryIndexes {
		indexes[aws.ToString(ix.IndexName)] = ix
	}
	if len(indexes) != len(resources.Table.Indexes) {
		t.Errorf("got %d indexes, want %d", len(indexes), len(resources.Table.Indexes))
	}
	for _, spec := range resources.Table.Indexes {
		ix, ok := indexes[spec.Name]
		if !ok {
			t.Errorf("index %s missing", spec.Name)
			continue
		}
		want := spec.PartitionKey.Name + "/HASH " + spec.SortKey.Name + "/RANGE"
		if got := keys(ix.KeySchema); got != want {
			t.Errorf("index %s keys %q, want %q", spec.Name, got, want)
		}
		wantType := ddbtypes.ProjectionTypeAll
		if len(spec.Include) > 0 {
			wantType = ddbtypes.ProjectionTypeInclude
		}
		if ix.Projection == nil || ix.Projection.ProjectionType != wantType || !slices.Equal(ix.Projection.NonKeyAttributes, spec.Include) {
			t.Errorf("index %s projection %+v, want %s of %v", spec.Name, ix.Projection, wantType, spec.Include)
		}
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled ||
		aws.ToString(d.AttributeName) != resources.Table.TTLAttribute {
		t.Errorf("TTL %+v, want ENABLED on %s", d, resources.Table.TTLAttribute)
	}
}

func keys(ks []ddbtypes.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+"/"+string(k.KeyType))
	}
	return strings.Join(parts, " ")
}

func checkQueue(t *testing.T, cfg aws.Config, spec resources.QueueSpec, url, dlqURL string) {
	t.Helper()
	ctx := t.Context()
	client := sqs.NewFromConfig(cfg)
	attrs := func(u string) map[string]string {
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(u), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
		})
		if err != nil {
			t.Fatalf("GetQueueAttributes %s: %v", u, err)
		}
		return out.Attributes
	}
	q, dlq := attrs(url), attrs(dlqURL)
	if got, want := q["VisibilityTimeout"], strconv.Itoa(spec.VisibilityTimeoutSeconds); got != want {
		t.Errorf("%s VisibilityTimeout = %s, want %s", spec.Name, got, want)
	}
	if got, want := q["MessageRetentionPeriod"], strconv.Itoa(spec.RetentionDays*86400); got != want {
		t.Errorf("%s MessageRetentionPeriod = %s, want %s", spec.Name, got, want)
	}
	if got := dlq["MessageRetentionPeriod"]; got != "1209600" {
		t.Errorf("%s dead-letter MessageRetentionPeriod = %s, want 14 days", spec.Name, got)
	}
	var policy struct {
		DeadLetterTargetArn string
		MaxReceiveCount     json.Number
	}
	if err := json.Unmarshal([]byte(q["RedrivePolicy"]), &policy); err != nil {
		t.Fatalf("%s RedrivePolicy %q: %v", spec.Name, q["RedrivePolicy"], err)
	}
	if policy.DeadLetterTargetArn != dlq["QueueArn"] || policy.DeadLetterTargetArn == "" {
		t.Errorf("%s redrives to %q, want its dead-letter queue %q", spec.Name, policy.DeadLetterTargetArn, dlq["QueueArn"])
	}
	if policy.MaxReceiveCount.String() != strconv.Itoa(spec.MaxReceiveCount) {
		t.Errorf("%s maxReceiveCount = %s, want %d", spec.Name, policy.MaxReceiveCount, spec.MaxReceiveCount)
	}
}

func checkBucket(t *testing.T, cfg aws.Config, name string) {
	t.Helper()
	ctx := t.Context()
	client := s3.NewFromConfig(cfg, awsconfig.S3Options)
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("HeadBucket %s: %v", name, err)
	}
	lc, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(name)})
	if err != nil {
		t.Fatalf("GetBucketLifecycleConfiguration: %v", err)
	}
	if len(lc.Rules) != 1 || lc.Rules[0].Expiration == nil || aws.ToInt32(lc.Rules[0].Expiration.Days) != int32(resources.Bucket.ExpireDays) {
		t.Errorf("lifecycle rules %+v, want expiry after %d days", lc.Rules, resources.Bucket.ExpireDays)
	}
}
