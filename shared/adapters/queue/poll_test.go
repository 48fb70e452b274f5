package queue_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// waitFor polls cond until it holds, failing the test after a generous
// bound; it asserts nothing about how long that takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func queueDepth(t *testing.T, client *sqs.Client, url string) (visible, inFlight int) {
	t.Helper()
	out, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inFlight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inFlight
}

// TestPollDeliversLikeTheEventSourceMapping publishes three messages, one of
// which the handler always fails, and polls: the two others are handled once
// and deleted; the failing one comes back until the queue's maxReceiveCount
// and then sits in the dead-letter queue. The queue is the mail queue with a
// one-second visibility timeout and two receives, so that the test is quick.
func TestPollDeliversLikeTheEventSourceMapping(t *testing.T) {
	cfg := emulatortest.Config(t)
	spec := resources.MailQueue
	spec.VisibilityTimeoutSeconds, spec.MaxReceiveCount = 1, 2
	url, dlqURL := emulatortest.NewQueue(t, cfg, spec)
	client := sqs.NewFromConfig(cfg)
	msgs := messages(3)
	bad := msgs[1].ID
	if err := queue.NewPublisher(client, url).Publish(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	arnOut, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := arnOut.Attributes[string(types.QueueAttributeNameQueueArn)]

	var mu sync.Mutex
	handled := map[string]int{}
	var records []events.SQSMessage
	var deadlines []bool
	fn := func(ctx context.Context, body string) error {
		m, err := mail.ParseMessage(body)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		handled[m.ID]++
		if m.ID == bad {
			return errors.New("always fails")
		}
		return nil
	}
	batch := queue.BatchHandler(fn, slog.New(slog.DiscardHandler))
	handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		_, hasDeadline := ctx.Deadline()
		mu.Lock()
		records = append(records, ev.Records...)
		deadlines = append(deadlines, hasDeadline)
		mu.Unlock()
		return batch(ctx, ev)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- queue.Poll(ctx, client, url, handler, slog.New(slog.DiscardHandler)) }()
	waitFor(t, "the failing message in the dead-letter queue", func() bool {
		visible, inFlight := queueDepth(t, client, dlqURL)
		return visible+inFlight == 1
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Poll = %v, want nil when its context ends", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if handled[msgs[0].ID] != 1 || handled[msgs[2].ID] != 1 || handled[bad] != 2 {
		t.Fatalf("handled %v: want the good messages once each and the bad one maxReceiveCount (2) times", handled)
	}
	if visible, inFlight := queueDepth(t, client, url); visible+inFlight != 0 {
		t.Fatalf("the queue still holds %d visible and %d in-flight messages", visible, inFlight)
	}
	out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("dead-letter queue: %v, %v", out, err)
	}
	if m, err := mail.ParseMessage(aws.ToString(out.Messages[0].Body)); err != nil || m.ID != bad {
		t.Fatalf("dead-letter queue holds %v, %v; want %s", m, err, bad)
	}

	receives := map[string][]string{}
	for _, r := range records {
		sum := md5.Sum([]byte(r.Body))
		if r.MessageId == "" || r.ReceiptHandle == "" || r.EventSource != "aws:sqs" || r.EventSourceARN != arn ||
			r.AWSRegion != cfg.Region || r.Md5OfBody != hex.EncodeToString(sum[:]) ||
			r.Attributes["SentTimestamp"] == "" || r.Attributes["ApproximateFirstReceiveTimestamp"] == "" {
			t.Fatalf("record lacks what Lambda sets: %+v", r)
		}
		m, _ := mail.ParseMessage(r.Body)
		receives[m.ID] = append(receives[m.ID], r.Attributes["ApproximateReceiveCount"])
	}
	if got := receives[bad]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Fatalf("receive counts of the failing message %v, want 1 then 2", got)
	}
	for _, d := range deadlines {
		if !d {
			t.Fatal("a batch ran without an invocation deadline")
		}
	}
}

// fakePollClient is a queue.PollClient of function fields.
type fakePollClient struct {
	getQueueAttributes func(ctx context.Context, in *sqs.GetQueueAttributesInput) (*sqs.GetQueueAttributesOutput, error)
	receiveMessage     func(ctx context.Context, in *sqs.ReceiveMessageInput) (*sqs.ReceiveMessageOutput, error)
	deleteMessageBatch func(ctx context.Context, in *sqs.DeleteMessageBatchInput) (*sqs.DeleteMessageBatchOutput, error)
}

var _ queue.PollClient = (*fakePollClient)(nil)

func (f *fakePollClient) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return f.getQueueAttributes(ctx, in)
}

func (f *fakePollClient) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return f.receiveMessage(ctx, in)
}

func (f *fakePollClient) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return f.deleteMessageBatch(ctx, in)
}

// TestPollDeletesNothingWhenTheBatchFails: as with Lambda, a handler error,
// a panic or a failure naming no record of the batch sends the whole batch
// back.
func TestPollDeletesNothingWhenTheBatchFails(t *testing.T) {
	tests := []struct {
		name    string
		handler queue.Handler
	}{
		{"error", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("boom")
		}},
		{"panic", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { panic("boom") }},
		{"unknown item", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "not-in-batch"}}}, nil
		}},
		{"empty item", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: ""}}}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			receives, deletes := 0, 0
			client := &fakePollClient{
				getQueueAttributes: func(context.Context, *sqs.GetQueueAttributesInput) (*sqs.GetQueueAttributesOutput, error) {
					return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"QueueArn": "arn:aws:sqs:eu-west-1:123456789012:q", "VisibilityTimeout": "180"}}, nil
				},
				receiveMessage: func(context.Context, *sqs.ReceiveMessageInput) (*sqs.ReceiveMessageOutput, error) {
					receives++
					if receives > 1 {
						cancel()
						return nil, context.Canceled
					}
					return &sqs.ReceiveMessageOutput{Messages: []types.Message{
						{MessageId: aws.String("a"), ReceiptHandle: aws.String("ra"), Body: aws.String("{}")},
						{MessageId: aws.String("b"), ReceiptHandle: aws.String("rb"), Body: aws.String("{}")},
					}}, nil
				},
				deleteMessageBatch: func(context.Context, *sqs.DeleteMessageBatchInput) (*sqs.DeleteMessageBatchOutput, error) {
					deletes++
					return &sqs.DeleteMessageBatchOutput{}, nil
				},
			}
			if err := queue.Poll(ctx, client, "q", tt.handler, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			if deletes != 0 {
				t.Fatalf("%d deletes, want none", deletes)
			}
		})
	}
}
