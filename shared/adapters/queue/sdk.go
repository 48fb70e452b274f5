package queue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SDK is the SQS client the Publisher and Work send with, as method values
// of the SDK's client. It holds no *sqs.Client: a binary that runs
// templates (which call methods by name, through reflection) keeps every
// exported method of every type reachable from a value held in an
// interface, and so would link the whole SQS API.
type SDK struct {
	send      func(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	sendBatch func(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var (
	_ WorkClient = SDK{}
	_ SendClient = SDK{}
)

// Open returns an SDK with an SQS client built from cfg.
func Open(cfg aws.Config) SDK {
	c := sqs.NewFromConfig(cfg)
	return SDK{send: c.SendMessage, sendBatch: c.SendMessageBatch}
}

// SendMessage calls the SDK's SendMessage.
func (c SDK) SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return c.send(ctx, in, opts...)
}

// SendMessageBatch calls the SDK's SendMessageBatch.
func (c SDK) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return c.sendBatch(ctx, in, opts...)
}
