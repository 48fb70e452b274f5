package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// WorkClient is the part of the SQS API a Work queue uses.
type WorkClient interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ WorkClient = (*sqs.Client)(nil)

// Work puts long-running work, in chunks, on the work queue.
type Work struct {
	client   WorkClient
	queueURL string
}

// NewWork returns a Work onto the queue at queueURL.
func NewWork(client WorkClient, queueURL string) *Work {
	return &Work{client: client, queueURL: queueURL}
}

// Send puts one work item on the queue as JSON. It returns SQS's error.
func (w *Work) Send(ctx context.Context, item any) error {
	body, err := json.Marshal(item)
	if err != nil {
		return fmt.Errorf("encode work item: %w", err)
	}
	if _, err := w.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(w.queueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("queue work item: %w", err)
	}
	return nil
}

// Kinds is the worker's one dispatch of work items: the handler of each
// kind of item, by the item's "kind" field.
type Kinds map[string]func(ctx context.Context, body string) error

// Handle passes the body of a work item to the handler of its kind, whole.
// It returns an error for a body that is not a JSON object with a kind, or
// whose kind no handler takes (the item then ends in the dead-letter
// queue), and the handler's error.
func (k Kinds) Handle(ctx context.Context, body string) error {
	var item struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal([]byte(body), &item); err != nil {
		return fmt.Errorf("work item %.200q is not JSON: %w", body, err)
	}
	fn, ok := k[item.Kind]
	if !ok {
		return fmt.Errorf("work item %.200q: no handler for its kind %q", body, item.Kind)
	}
	return fn(ctx, body)
}
