package queue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// RedriveClient is the part of the SQS API Redrive uses.
type RedriveClient interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	ListDeadLetterSourceQueues(ctx context.Context, in *sqs.ListDeadLetterSourceQueuesInput, opts ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error)
	StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, opts ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, opts ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

var _ RedriveClient = (*sqs.Client)(nil)

// How Redrive moved the messages.
const (
	// MovedByTask is SQS's message move task (StartMessageMoveTask).
	MovedByTask = "message move task"
	// MovedByCopy is the fallback for endpoints without message move
	// tasks: receive from the dead-letter queue, send to the source queue,
	// delete from the dead-letter queue.
	MovedByCopy = "receive, send, delete"
)

const (
	// redrivePollEvery is how often Redrive asks how a move task is doing.
	redrivePollEvery = 2 * time.Second
	// copyVisibilitySeconds hides a received message from other consumers
	// while the copy sends it on and deletes it; a message whose send failed
	// is visible in the dead-letter queue again after it.
	copyVisibilitySeconds = 60
	// copyWaitSeconds is the long-poll wait of the copy's receives: an
	// empty long poll means the dead-letter queue has no visible message.
	copyWaitSeconds = 1
)

// Redriver moves the messages of a dead-letter queue back to their source queue.
type Redriver struct {
	Client RedriveClient
	// PollEvery is how often a running move task is checked; zero means
	// every 2 seconds.
	PollEvery time.Duration
	// Progress, when set, is told how many messages have moved so far and
	// how many there are to move (0 when SQS does not know yet).
	Progress func(moved, total int64)
}

// RedriveResult says what Redrive did.
type RedriveResult struct {
	// Method is MovedByTask or MovedByCopy.
	Method string
	// DeadLetterURL is the dead-letter queue's URL, SourceURL the queue the
	// messages went back to (empty for a task, which SQS routes itself).
	DeadLetterURL, SourceURL string
	// Moved is how many messages are back on the source queue.
	Moved int64
}

// ErrNotADeadLetterQueue is returned by Redrive for a queue that no queue
// names as its dead-letter queue: its messages have nowhere to go back to.
var ErrNotADeadLetterQueue = errors.New("no queue has it as its dead-letter queue")

// Redrive moves every message of the dead-letter queue queue (a name or a
// URL) back to the queue it was dead-lettered from. It starts an SQS message
// move task and waits for it to finish; only when the endpoint answers that
// it does not support message move tasks (an emulator) does it copy the
// messages itself, as many as the queue held when it started: it receives
// them, sends them to the source queue and deletes from the dead-letter
// queue only those SQS accepted, so a message is never lost, though one
// whose delete fails is then in both queues.
//
// It returns what it moved, and an error when the queue does not exist, is
// not a dead-letter queue (ErrNotADeadLetterQueue), has several source
// queues and the endpoint has no move tasks, the task fails or is
// cancelled, some messages could not be moved (they stay in the dead-letter
// queue), or ctx ends (a running task goes on in SQS).
func (r *Redriver) Redrive(ctx context.Context, queue string) (RedriveResult, error) {
	res := RedriveResult{}
	url, err := r.queueURL(ctx, queue)
	if err != nil {
		return res, err
	}
	res.DeadLetterURL = url
	attrs, err := r.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn, types.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		return res, fmt.Errorf("redrive %s: read its attributes: %w", url, err)
	}
	arn := attrs.Attributes[string(types.QueueAttributeNameQueueArn)]
	waiting, _ := strconv.ParseInt(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)], 10, 64)
	sources, err := r.Client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(url)})
	if err != nil {
		return res, fmt.Errorf("redrive %s: list its source queues: %w", url, err)
	}
	if len(sources.QueueUrls) == 0 {
		return res, fmt.Errorf("redrive %s: %w", url, ErrNotADeadLetterQueue)
	}

	// One attempt: a retried start whose first attempt did start a task
	// would fail as a duplicate, and an emulator's "unknown action" answer
	// is not worth retrying.
	_, err = r.Client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(arn)},
		func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	switch {
	case err == nil:
		res.Method = MovedByTask
		res.Moved, err = r.waitForTask(ctx, arn)
		return res, err
	case !unsupported(err):
		return res, fmt.Errorf("redrive %s: start a message move task: %w", url, err)
	}

	res.Method = MovedByCopy
	if len(sources.QueueUrls) > 1 {
		return res, fmt.Errorf("redrive %s: it is the dead-letter queue of %d queues (%s) and the endpoint has no message move tasks, so which message goes back where is unknown",
			url, len(sources.QueueUrls), strings.Join(sources.QueueUrls, ", "))
	}
	res.SourceURL = sources.QueueUrls[0]
	res.Moved, err = r.copy(ctx, url, res.SourceURL, waiting)
	return res, err
}

// queueURL returns the URL of queue, a name or a URL.
func (r *Redriver) queueURL(ctx context.Context, queue string) (string, error) {
	queue = strings.TrimSpace(queue)
	if queue == "" {
		return "", errors.New("redrive: no queue given (a name such as backoffice-mail-dlq, or a URL)")
	}
	if strings.HasPrefix(queue, "https://") || strings.HasPrefix(queue, "http://") {
		return queue, nil
	}
	out, err := r.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		var missing *types.QueueDoesNotExist
		if errors.As(err, &missing) {
			return "", fmt.Errorf("redrive: no queue named %q in this account and region", queue)
		}
		return "", fmt.Errorf("redrive: find queue %q: %w", queue, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// unsupported reports whether err says that the endpoint does not know the
// action, rather than that the request failed: HTTP 501, an error code that
// says so, or an answer that is not an SQS error at all (moto answers an
// action it lacks with an HTML 500 page). AWS itself always answers with an
// SQS error document, so a real failure is never taken for this.
func unsupported(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotImplemented {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "InvalidAction", "NotImplemented", "UnknownOperationException":
			return true
		}
		return false
	}
	var decode *smithy.DeserializationError
	return errors.As(err, &decode)
}

// waitForTask polls the move task of the dead-letter queue arn until it
// ends, and returns how many messages it moved.
func (r *Redriver) waitForTask(ctx context.Context, arn string) (int64, error) {
	every := r.PollEvery
	if every <= 0 {
		every = redrivePollEvery
	}
	for {
		out, err := r.Client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(arn), MaxResults: aws.Int32(1)})
		if err != nil {
			return 0, fmt.Errorf("redrive %s: read the move task's progress: %w", arn, err)
		}
		if len(out.Results) == 0 {
			return 0, fmt.Errorf("redrive %s: SQS lists no move task for the queue", arn)
		}
		task := out.Results[0]
		if r.Progress != nil {
			r.Progress(task.ApproximateNumberOfMessagesMoved, aws.ToInt64(task.ApproximateNumberOfMessagesToMove))
		}
		switch status := aws.ToString(task.Status); status {
		case "COMPLETED":
			return task.ApproximateNumberOfMessagesMoved, nil
		case "RUNNING":
		default: // CANCELLING, CANCELLED, FAILED
			return task.ApproximateNumberOfMessagesMoved, fmt.Errorf("redrive %s: the move task is %s after moving %d messages: %s",
				arn, status, task.ApproximateNumberOfMessagesMoved, aws.ToString(task.FailureReason))
		}
		timer := time.NewTimer(every)
		select {
		case <-ctx.Done():
			timer.Stop()
			return task.ApproximateNumberOfMessagesMoved, fmt.Errorf("redrive %s: stopped waiting; the move task goes on in SQS: %w", arn, ctx.Err())
		case <-timer.C:
		}
	}
}

// copy moves up to limit messages from the dead-letter queue dlq to the
// queue source, ten at a time, and returns how many it moved. Messages that
// were sent back by their consumer to the dead-letter queue meanwhile are
// not moved twice, because it stops at limit.
func (r *Redriver) copy(ctx context.Context, dlq, source string, limit int64) (int64, error) {
	var moved, failed int64
	var firstFailure string
	for moved+failed < limit {
		out, err := r.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(dlq),
			MaxNumberOfMessages:         int32(min(limit-moved-failed, pollBatch)),
			WaitTimeSeconds:             copyWaitSeconds,
			VisibilityTimeout:           copyVisibilitySeconds,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			return moved, fmt.Errorf("redrive %s: receive: %w", dlq, err)
		}
		if len(out.Messages) == 0 {
			break
		}
		entries := make([]types.SendMessageBatchRequestEntry, len(out.Messages))
		for i, m := range out.Messages {
			entries[i] = types.SendMessageBatchRequestEntry{
				Id:                aws.String(strconv.Itoa(i)),
				MessageBody:       m.Body,
				MessageAttributes: m.MessageAttributes,
			}
			// A FIFO queue's message keeps its group and deduplication ID.
			if g, ok := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]; ok {
				entries[i].MessageGroupId = aws.String(g)
			}
			if d, ok := m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)]; ok {
				entries[i].MessageDeduplicationId = aws.String(d)
			}
		}
		sent, err := r.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(source), Entries: entries})
		if err != nil {
			return moved, fmt.Errorf("redrive %s: send to %s (the messages stay in the dead-letter queue): %w", dlq, source, err)
		}
		for _, f := range sent.Failed {
			failed++
			if firstFailure == "" {
				firstFailure = aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
			}
		}
		var deletes []types.DeleteMessageBatchRequestEntry
		for _, s := range sent.Successful {
			i, _ := strconv.Atoi(aws.ToString(s.Id))
			deletes = append(deletes, types.DeleteMessageBatchRequestEntry{Id: s.Id, ReceiptHandle: out.Messages[i].ReceiptHandle})
		}
		if len(deletes) == 0 {
			continue
		}
		del, err := r.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(dlq), Entries: deletes})
		if err != nil {
			return moved, fmt.Errorf("redrive %s: delete %d messages already sent to %s (they are in both queues now): %w", dlq, len(deletes), source, err)
		}
		if len(del.Failed) > 0 {
			return moved + int64(len(del.Successful)), fmt.Errorf("redrive %s: %d messages sent to %s could not be deleted (they are in both queues now): %s",
				dlq, len(del.Failed), source, aws.ToString(del.Failed[0].Message))
		}
		moved += int64(len(del.Successful))
		if r.Progress != nil {
			r.Progress(moved, limit)
		}
	}
	if failed > 0 {
		return moved, fmt.Errorf("redrive %s: %d messages could not be sent to %s and stay in the dead-letter queue (first: %s)", dlq, failed, source, firstFailure)
	}
	return moved, nil
}
