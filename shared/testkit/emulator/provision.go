package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/app/resources"
)

// deadLetterRetention is how long a dead-letter queue keeps a message: the
// SQS maximum of 14 days, as resources.QueueSpec documents.
const deadLetterRetention = 14 * 24 * time.Hour

// tableActiveTimeout bounds the wait for a new table to become ACTIVE.
// Emulators create tables active at once; the bound only matters if the
// endpoint misbehaves.
const tableActiveTimeout = 2 * time.Minute

// QueueNames names one queue and its dead-letter queue.
type QueueNames struct {
	Name           string
	DeadLetterName string
}

// Names are the names the resources are created under. Locally they are the
// declared names (DefaultNames); tests use unique ones (UniqueNames) so that
// they can run side by side on one endpoint.
type Names struct {
	Table string
	// Queues maps the declared name of each queue of resources.Queues
	// (resources.QueueSpec.Name) to the names it is created under.
	Queues map[string]QueueNames
	Bucket string
}

// DefaultNames returns the names declared in package resources.
func DefaultNames() Names {
	n := Names{Table: resources.Table.Name, Bucket: resources.Bucket.Name, Queues: map[string]QueueNames{}}
	for _, q := range resources.Queues {
		n.Queues[q.Name] = QueueNames{Name: q.Name, DeadLetterName: q.DeadLetterName}
	}
	return n
}

// UniqueNames returns the declared names, each prefixed with
// UniquePrefix(prefix), so that every call returns names no other call has.
func UniqueNames(prefix string) Names {
	p := UniquePrefix(prefix)
	n := Names{Table: p + resources.Table.Name, Bucket: p + resources.Bucket.Name, Queues: map[string]QueueNames{}}
	for _, q := range resources.Queues {
		n.Queues[q.Name] = QueueNames{Name: p + q.Name, DeadLetterName: p + q.DeadLetterName}
	}
	return n
}

// UniquePrefix returns prefix reduced to lower-case letters, digits and
// hyphens and cut to 20 characters, followed by a random suffix and a hyphen
// ("orders-3fa9c21e-"). Prefixed to a declared name it keeps the name valid for
// every service (S3 is the strictest: 3 to 63 lower-case characters).
func UniquePrefix(prefix string) string {
	p := sanitise(prefix)
	if p == "" {
		p = "t"
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return p + "-" + hex.EncodeToString(b[:]) + "-"
}

func sanitise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 20 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// Queue is a queue as created: its name, URL and ARN, and those of its
// dead-letter queue.
type Queue struct {
	Name           string
	URL            string
	ARN            string
	DeadLetterName string
	DeadLetterURL  string
	DeadLetterARN  string
}

// Provisioned is what Provision created (or found already there).
type Provisioned struct {
	Table  string
	Bucket string
	// Queues maps the declared name of each queue (resources.QueueSpec.Name)
	// to the queue created for it.
	Queues map[string]Queue
}

// Provision creates on the endpoint of cfg the table, every queue of
// resources.Queues with its dead-letter queue, and the bucket, under the
// given names. It is idempotent: whatever already exists is brought to the
// declared settings (TTL, queue attributes, bucket lifecycle) and kept.
//
// It refuses to run when cfg has no BaseEndpoint (AWS_ENDPOINT_URL): in AWS
// the CDK app owns these resources. Otherwise it returns the first error of
// the endpoint, naming the resource it was creating.
func Provision(ctx context.Context, cfg aws.Config, names Names) (Provisioned, error) {
	if cfg.BaseEndpoint == nil || *cfg.BaseEndpoint == "" {
		return Provisioned{}, errors.New("provision: no endpoint URL configured (set AWS_ENDPOINT_URL); refusing to create resources in AWS itself, which the CDK app owns")
	}
	out := Provisioned{Table: names.Table, Bucket: names.Bucket, Queues: map[string]Queue{}}

	if err := CreateTable(ctx, dynamodb.NewFromConfig(cfg), resources.Table, names.Table); err != nil {
		return out, err
	}

	sqsClient := sqs.NewFromConfig(cfg)
	for _, spec := range resources.Queues {
		qn, ok := names.Queues[spec.Name]
		if !ok {
			return out, fmt.Errorf("provision: no names given for queue %s", spec.Name)
		}
		q, err := CreateQueue(ctx, sqsClient, spec, qn)
		if err != nil {
			return out, err
		}
		out.Queues[spec.Name] = q
	}

	if err := CreateBucket(ctx, s3.NewFromConfig(cfg, awsconfig.S3Options), resources.Bucket, names.Bucket); err != nil {
		return out, err
	}
	return out, nil
}

// CreateTable creates the table of spec under name (see CreateTableInput),
// waits until it is ACTIVE and enables TTL on spec.TTLAttribute. A table that
// already exists is kept as it is, with TTL enabled if it was not. It returns
// the endpoint's error, wrapped with the table name.
func CreateTable(ctx context.Context, client *dynamodb.Client, spec resources.TableSpec, name string) error {
	_, err := client.CreateTable(ctx, CreateTableInput(spec, name))
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tableActiveTimeout); err != nil {
		return fmt.Errorf("wait for table %s to become active: %w", name, err)
	}
	if spec.TTLAttribute == "" {
		return nil
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describe TTL of table %s: %w", name, err)
	}
	// DynamoDB rejects enabling TTL that is already enabled.
	if d := ttl.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == spec.TTLAttribute &&
		(d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled || d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(spec.TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on table %s: %w", name, err)
	}
	return nil
}

// redrivePolicy is the RedrivePolicy attribute of a queue.
type redrivePolicy struct {
	DeadLetterTargetARN string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

// CreateQueue creates the dead-letter queue and then the queue of spec under
// names, with the queue's visibility timeout, retention and a redrive policy
// to the dead-letter queue after spec.MaxReceiveCount receives. Queues that
// already exist get those attributes set. It returns the endpoint's error,
// wrapped with the queue name.
func CreateQueue(ctx context.Context, client *sqs.Client, spec resources.QueueSpec, names QueueNames) (Queue, error) {
	q := Queue{Name: names.Name, DeadLetterName: names.DeadLetterName}
	var err error
	q.DeadLetterURL, q.DeadLetterARN, err = ensureQueue(ctx, client, names.DeadLetterName, map[string]string{
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): seconds(deadLetterRetention),
	})
	if err != nil {
		return q, err
	}
	policy, err := json.Marshal(redrivePolicy{DeadLetterTargetARN: q.DeadLetterARN, MaxReceiveCount: spec.MaxReceiveCount})
	if err != nil {
		return q, fmt.Errorf("encode redrive policy of queue %s: %w", names.Name, err)
	}
	q.URL, q.ARN, err = ensureQueue(ctx, client, names.Name, map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(spec.VisibilityTimeoutSeconds),
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): seconds(time.Duration(spec.RetentionDays) * 24 * time.Hour),
		string(sqstypes.QueueAttributeNameRedrivePolicy):          string(policy),
	})
	return q, err
}

func seconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

// ensureQueue creates the queue with attrs, or sets attrs on the queue of that
// name when it exists with other attributes, and returns its URL and ARN.
func ensureQueue(ctx context.Context, client *sqs.Client, name string, attrs map[string]string) (url, arn string, err error) {
	created, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	switch {
	case err == nil:
		url = aws.ToString(created.QueueUrl)
	case queueExists(err):
		got, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			return "", "", fmt.Errorf("get URL of queue %s: %w", name, err)
		}
		url = aws.ToString(got.QueueUrl)
		if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs}); err != nil {
			return "", "", fmt.Errorf("set attributes of queue %s: %w", name, err)
		}
	default:
		return "", "", fmt.Errorf("create queue %s: %w", name, err)
	}
	got, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", "", fmt.Errorf("get ARN of queue %s: %w", name, err)
	}
	return url, got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// queueExists reports whether err says a queue of that name exists with
// other attributes. SQS's JSON protocol names it QueueAlreadyExists, the
// query protocol QueueNameExists.
func queueExists(err error) bool {
	var exists *sqstypes.QueueNameExists
	if errors.As(err, &exists) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) &&
		(apiErr.ErrorCode() == "QueueAlreadyExists" || apiErr.ErrorCode() == "AWS.SimpleQueueService.QueueNameExists")
}

// CreateBucket creates the bucket of spec under name, in the client's region,
// with a lifecycle rule that deletes objects spec.ExpireDays after they are
// written. A bucket the caller already owns is kept and gets the rule. It
// returns the endpoint's error, wrapped with the bucket name (a bucket that
// exists but belongs to someone else is such an error).
func CreateBucket(ctx context.Context, client *s3.Client, spec resources.BucketSpec, name string) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	// us-east-1 is the one region that must not be named as a constraint.
	if region := client.Options().Region; region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{
			LocationConstraint: s3types.BucketLocationConstraint(region),
		}
	}
	_, err := client.CreateBucket(ctx, in)
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	if spec.ExpireDays <= 0 {
		return nil
	}
	_, err = client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String(name),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID:         aws.String("expire-objects"),
			Status:     s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(int32(spec.ExpireDays))},
		}}},
	})
	if err != nil {
		return fmt.Errorf("set lifecycle of bucket %s: %w", name, err)
	}
	return nil
}

// VerifySender verifies address as an SES email identity on the endpoint of
// cfg, which moto requires before it accepts mail from that sender (LocalStack
// and AWS's sandbox likewise). Verifying an address twice is harmless. It
// returns the endpoint's error, wrapped with the address.
func VerifySender(ctx context.Context, cfg aws.Config, address string) error {
	_, err := ses.NewFromConfig(cfg).VerifyEmailIdentity(ctx, &ses.VerifyEmailIdentityInput{EmailAddress: aws.String(address)})
	if err != nil {
		return fmt.Errorf("verify SES sender %s: %w", address, err)
	}
	return nil
}

// unsubscribeSecretBytes is the length of the signing key EnsureSecret
// makes: as long as the one the stack generates.
const unsubscribeSecretBytes = 64

// EnsureSecret returns the ARN of the Secrets Manager secret called name on
// the endpoint of cfg, creating it with a random value of 64 hexadecimal
// characters when there is none (the stand-in, for the local system, of the
// unsubscribe signing secret the stack generates). A secret that exists is
// kept with its value, so that links signed by an earlier run still work.
// It returns the endpoint's error, wrapped with the name.
func EnsureSecret(ctx context.Context, cfg aws.Config, name string) (string, error) {
	client := secretsmanager.NewFromConfig(cfg)
	var b [unsubscribeSecretBytes / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	out, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(hex.EncodeToString(b[:]))})
	if err == nil {
		return aws.ToString(out.ARN), nil
	}
	var exists *smtypes.ResourceExistsException
	if !errors.As(err, &exists) {
		return "", fmt.Errorf("create secret %s: %w", name, err)
	}
	got, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("describe secret %s: %w", name, err)
	}
	return aws.ToString(got.ARN), nil
}
