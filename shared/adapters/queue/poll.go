package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

const (
	// pollWait is the long-poll wait of each ReceiveMessage, the SQS maximum.
	pollWait = 20
	// pollBatch is the most messages one ReceiveMessage returns, and the
	// batch size of the event source mapping.
	pollBatch = 10
	// pollRetry is the pause after a failed ReceiveMessage.
	pollRetry = time.Second
	// deleteTimeout bounds the deletion of a handled batch, which runs even
	// when Poll's context has ended.
	deleteTimeout = 10 * time.Second
)

// PollClient is the part of the SQS API Poll uses.
type PollClient interface {
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

var _ PollClient = (*sqs.Client)(nil)

// Poll feeds the queue at queueURL to handler until ctx ends, as Lambda's
// event source mapping does in AWS, for running the system locally: it
// long-polls up to 10 messages at a time, hands them over as an
// events.SQSEvent with the fields Lambda sets (messageId, receiptHandle,
// body, the MD5s, every attribute including ApproximateReceiveCount, the
// message attributes, eventSource "aws:sqs", eventSourceARN, awsRegion), and
// deletes the records the handler did not report in BatchItemFailures. Like
// Lambda, it deletes none of the batch when the handler returns an error or
// panics, or reports a failure whose itemIdentifier is empty or not in the
// batch. Each batch runs under a deadline of a sixth of the queue's
// visibility timeout (the function timeout AWS recommends for it; at least a
// second), so that handlers meet their deadline handling locally too.
// Batches run one at a time.
//
// It returns nil when ctx ends, and an error only when the queue's
// attributes cannot be read at the start. Failed receives and deletes are
// logged and retried.
func Poll(ctx context.Context, client PollClient, queueURL string, handler Handler, logger *slog.Logger) error {
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(queueURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn, types.QueueAttributeNameVisibilityTimeout},
	})
	if err != nil {
		return fmt.Errorf("poll %s: read the queue's attributes: %w", queueURL, err)
	}
	arn := attrs.Attributes[string(types.QueueAttributeNameQueueArn)]
	region := ""
	if parts := strings.Split(arn, ":"); len(parts) > 3 {
		region = parts[3]
	}
	visibility, _ := strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameVisibilityTimeout)])
	timeout := max(time.Duration(visibility)*time.Second/6, time.Second)
	log := logger.With(slog.String("queue", arn))
	log.Info("polling queue", slog.Duration("invocationTimeout", timeout))

	for ctx.Err() == nil {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(queueURL),
			MaxNumberOfMessages:         pollBatch,
			WaitTimeSeconds:             pollWait,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Warn("receive from queue failed; retrying", slog.String("error", err.Error()))
			sleep(ctx, pollRetry)
			continue
		}
		if len(out.Messages) == 0 {
			continue
		}
		ev := toEvent(out.Messages, arn, region)
		failed, ok := invoke(ctx, handler, ev, timeout, log)
		deleteHandled(ctx, client, queueURL, out.Messages, failed, ok, log)
	}
	log.Info("stopped polling queue")
	return nil
}

// toEvent builds the event Lambda would pass for these messages.
func toEvent(msgs []types.Message, arn, region string) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(msgs))}
	for _, m := range msgs {
		attrs := make(map[string]string, len(m.Attributes))
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		msgAttrs := make(map[string]events.SQSMessageAttribute, len(m.MessageAttributes))
		for k, v := range m.MessageAttributes {
			a := events.SQSMessageAttribute{
				StringValue:      v.StringValue,
				BinaryValue:      v.BinaryValue,
				StringListValues: v.StringListValues,
				BinaryListValues: v.BinaryListValues,
				DataType:         aws.ToString(v.DataType),
			}
			if a.StringListValues == nil {
				a.StringListValues = []string{}
			}
			if a.BinaryListValues == nil {
				a.BinaryListValues = [][]byte{}
			}
			msgAttrs[k] = a
		}
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             attrs,
			MessageAttributes:      msgAttrs,
			EventSourceARN:         arn,
			EventSource:            "aws:sqs",
			AWSRegion:              region,
		})
	}
	return ev
}

// invoke calls handler under the invocation timeout and returns the IDs of
// the records it reported failed, and false when the whole batch failed (an
// error, a panic, or a failure that names no record of the batch).
func invoke(ctx context.Context, handler Handler, ev events.SQSEvent, timeout time.Duration, log *slog.Logger) (failed map[string]bool, ok bool) {
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := func() (resp events.SQSEventResponse, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("handler panicked: %v", r)
			}
		}()
		return handler(ictx, ev)
	}()
	if err != nil {
		log.Error("handler failed; the whole batch will be delivered again", slog.Int("records", len(ev.Records)), slog.String("error", err.Error()))
		return nil, false
	}
	inBatch := make(map[string]bool, len(ev.Records))
	for _, r := range ev.Records {
		inBatch[r.MessageId] = true
	}
	failed = map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		if !inBatch[f.ItemIdentifier] {
			log.Error("handler reported a failure that names no record of the batch; the whole batch will be delivered again",
				slog.String("itemIdentifier", f.ItemIdentifier))
			return nil, false
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, true
}

// deleteHandled deletes the messages that were handled: all of them but the
// failed ones when ok, none otherwise. It runs on a context of its own, so
// that a batch handled just as Poll is stopped is still deleted.
func deleteHandled(ctx context.Context, client PollClient, queueURL string, msgs []types.Message, failed map[string]bool, ok bool, log *slog.Logger) {
	if !ok {
		return
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if !failed[aws.ToString(m.MessageId)] {
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if len(entries) == 0 {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	out, err := client.DeleteMessageBatch(dctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: entries})
	if err == nil && len(out.Failed) > 0 {
		f := out.Failed[0]
		err = errors.New(aws.ToString(f.Code) + ": " + aws.ToString(f.Message))
	}
	if err != nil {
		log.Warn("delete of handled messages failed; they will be delivered again", slog.String("error", err.Error()))
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
