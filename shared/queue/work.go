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
