package queue_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// sendTo puts n messages on the queue at url, each with a body "message i"
// and a message attribute carrying i.
func sendTo(t *testing.T, client *sqs.Client, url string, n int) []string {
	t.Helper()
	var bodies []string
	for i := range n {
		body := fmt.Sprintf("message %d", i)
		bodies = append(bodies, body)
		if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{
			QueueUrl: aws.String(url), MessageBody: aws.String(body),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"n": {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))},
			},
		}); err != nil {
			t.Fatal(err)
		}
	}
	return bodies
}

// drain receives every message of the queue at url, deleting them, and
// returns their bodies and their attribute "n" as "body=n".
func drain(t *testing.T, client *sqs.Client, url string) []string {
	t.Helper()
	var got []string
	for {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			slices.Sort(got)
			return got
		}
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body)+"="+aws.ToString(m.MessageAttributes["n"].StringValue))
			if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestRedriveOnTheEmulatorMovesEveryMessageBack(t *testing.T) {
	cfg := emulatortest.Config(t)
	client := sqs.NewFromConfig(cfg)
	url, dlqURL := emulatortest.NewQueue(t, cfg, resources.MailQueue)
	name := dlqURL[strings.LastIndex(dlqURL, "/")+1:]

	for _, tc := range []struct {
		by, queue string
		n         int
	}{{"name", name, 23}, {"url", dlqURL, 4}} {
		t.Run(tc.by, func(t *testing.T) {
			// GIVEN a queue whose dead-letter queue holds messages with attributes
			bodies := sendTo(t, client, dlqURL, tc.n)

			// WHEN it is redriven, by its name or its URL
			var progress []int64
			r := &queue.Redriver{Client: client, Progress: func(moved, _ int64) { progress = append(progress, moved) }}
			res, err := r.Redrive(t.Context(), tc.queue)
			if err != nil {
				t.Fatalf("Redrive: %v", err)
			}

			// THEN every message is back on the queue with its body and
			// attributes, and the dead-letter queue is empty
			t.Logf("the emulator moved them by %s", res.Method)
			if res.Moved != int64(tc.n) || res.DeadLetterURL != dlqURL {
				t.Errorf("result %+v, want %d moved from %s", res, tc.n, dlqURL)
			}
			if res.Method == queue.MovedByCopy && res.SourceURL != url {
				t.Errorf("copied to %s, want %s", res.SourceURL, url)
			}
			var want []string
			for i, b := range bodies {
				want = append(want, fmt.Sprintf("%s=%d", b, i))
			}
			slices.Sort(want)
			if got := drain(t, client, url); !slices.Equal(got, want) {
				t.Errorf("queue holds %v, want %v", got, want)
			}
			if got := drain(t, client, dlqURL); len(got) != 0 {
				t.Errorf("dead-letter queue still holds %v", got)
			}
			// AND progress was reported up to the total
			if len(progress) == 0 || progress[len(progress)-1] != int64(tc.n) {
				t.Errorf("progress %v, want it to end at %d", progress, tc.n)
			}
		})
	}
}

func TestRedriveRefusesWhatItCannotMoveBack(t *testing.T) {
	// GIVEN a queue with a dead-letter queue, on the emulator
	cfg := emulatortest.Config(t)
	client := sqs.NewFromConfig(cfg)
	url, _ := emulatortest.NewQueue(t, cfg, resources.WorkQueue)
	r := &queue.Redriver{Client: client}

	// WHEN the source queue itself is redriven THEN it is not a dead-letter queue
	if _, err := r.Redrive(t.Context(), url); !errors.Is(err, queue.ErrNotADeadLetterQueue) {
		t.Errorf("Redrive(source queue) = %v, want ErrNotADeadLetterQueue", err)
	}
	// AND a queue that does not exist is named
	if _, err := r.Redrive(t.Context(), "no-such-queue-dlq"); err == nil || !strings.Contains(err.Error(), `"no-such-queue-dlq"`) {
		t.Errorf("Redrive(missing) = %v, want an error naming the queue", err)
	}
	// AND no queue at all is refused
	if _, err := r.Redrive(t.Context(), " "); err == nil {
		t.Error("Redrive(\"\") = nil, want an error")
	}
}

// fakeRedriveClient is a queue.RedriveClient of function fields; a call of
// a field left nil fails the test.
type fakeRedriveClient struct {
	t                    *testing.T
	startMessageMoveTask func(in *sqs.StartMessageMoveTaskInput) (*sqs.StartMessageMoveTaskOutput, error)
	listMessageMoveTasks func(in *sqs.ListMessageMoveTasksInput) (*sqs.ListMessageMoveTasksOutput, error)
}

var _ queue.RedriveClient = (*fakeRedriveClient)(nil)

const fakeDLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/backoffice-mail-dlq"

func (f *fakeRedriveClient) GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(fakeDLQ)}, nil
}

func (f *fakeRedriveClient) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{
		"QueueArn": "arn:aws:sqs:us-east-1:123456789012:backoffice-mail-dlq", "ApproximateNumberOfMessages": "3",
	}}, nil
}

func (f *fakeRedriveClient) ListDeadLetterSourceQueues(context.Context, *sqs.ListDeadLetterSourceQueuesInput, ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error) {
	return &sqs.ListDeadLetterSourceQueuesOutput{QueueUrls: []string{strings.TrimSuffix(fakeDLQ, "-dlq")}}, nil
}

func (f *fakeRedriveClient) StartMessageMoveTask(_ context.Context, in *sqs.StartMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	return f.startMessageMoveTask(in)
}

func (f *fakeRedriveClient) ListMessageMoveTasks(_ context.Context, in *sqs.ListMessageMoveTasksInput, _ ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	return f.listMessageMoveTasks(in)
}

func (f *fakeRedriveClient) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.t.Error("ReceiveMessage: the copy ran")
	return &sqs.ReceiveMessageOutput{}, nil
}

func (f *fakeRedriveClient) SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.t.Error("SendMessageBatch: the copy ran")
	return &sqs.SendMessageBatchOutput{}, nil
}

func (f *fakeRedriveClient) DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	f.t.Error("DeleteMessageBatch: the copy ran")
	return &sqs.DeleteMessageBatchOutput{}, nil
}

// tasks answers ListMessageMoveTasks with each of statuses in turn.
func tasks(statuses ...string) func(*sqs.ListMessageMoveTasksInput) (*sqs.ListMessageMoveTasksOutput, error) {
	calls := 0
	return func(*sqs.ListMessageMoveTasksInput) (*sqs.ListMessageMoveTasksOutput, error) {
		status := statuses[min(calls, len(statuses)-1)]
		calls++
		return &sqs.ListMessageMoveTasksOutput{Results: []types.ListMessageMoveTasksResultEntry{{
			Status: aws.String(status), ApproximateNumberOfMessagesMoved: int64(calls), ApproximateNumberOfMessagesToMove: aws.Int64(3),
			FailureReason: aws.String("the source queue was deleted"),
		}}}, nil
	}
}

func TestRedriveUsesSQSMoveTaskWhereThereIsOne(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []string
		wantMoved int64
		wantErr   string
	}{
		{"completes", []string{"RUNNING", "RUNNING", "COMPLETED"}, 3, ""},
		{"fails", []string{"RUNNING", "FAILED"}, 2, "FAILED after moving 2 messages: the source queue was deleted"},
		{"is cancelled", []string{"CANCELLED"}, 1, "CANCELLED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// GIVEN SQS, which has message move tasks
			var started []string
			client := &fakeRedriveClient{t: t,
				startMessageMoveTask: func(in *sqs.StartMessageMoveTaskInput) (*sqs.StartMessageMoveTaskOutput, error) {
					started = append(started, aws.ToString(in.SourceArn))
					if in.DestinationArn != nil {
						t.Errorf("DestinationArn %v: want none, so that SQS moves each message to its own source", *in.DestinationArn)
					}
					return &sqs.StartMessageMoveTaskOutput{TaskHandle: aws.String("h")}, nil
				},
				listMessageMoveTasks: tasks(tc.statuses...),
			}
			var progress []int64
			r := &queue.Redriver{Client: client, PollEvery: 1, Progress: func(moved, total int64) { progress = append(progress, moved) }}

			// WHEN a dead-letter queue is redriven
			res, err := r.Redrive(t.Context(), "backoffice-mail-dlq")

			// THEN one task moves it, is waited for, and its end is reported; the copy never runs
			if !slices.Equal(started, []string{"arn:aws:sqs:us-east-1:123456789012:backoffice-mail-dlq"}) {
				t.Errorf("started tasks for %v", started)
			}
			if res.Method != queue.MovedByTask || res.Moved != tc.wantMoved {
				t.Errorf("result %+v, want %d moved by the task", res, tc.wantMoved)
			}
			if len(progress) != len(tc.statuses) {
				t.Errorf("progress %v, want one report per poll", progress)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestRedriveFallsBackOnlyWhenTheEndpointLacksMoveTasks(t *testing.T) {
	// GIVEN the ways an endpoint answers StartMessageMoveTask
	notImplemented := &smithy.OperationError{ServiceID: "SQS", OperationName: "StartMessageMoveTask", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusNotImplemented}}, Err: errors.New("not implemented"),
	}}
	htmlPage := &smithy.OperationError{ServiceID: "SQS", OperationName: "StartMessageMoveTask", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusInternalServerError}},
		Err:      &smithy.DeserializationError{Err: errors.New("invalid character '<' looking for beginning of value")},
	}}
	for _, tc := range []struct {
		name      string
		err       error
		wantCopy  bool
		wantInErr string
	}{
		{"HTTP 501", notImplemented, true, ""},
		{"an unknown action", &smithy.GenericAPIError{Code: "InvalidAction", Message: "no such action"}, true, ""},
		{"an HTML page instead of an SQS error (moto)", htmlPage, true, ""},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied", Message: "not allowed"}, false, "AccessDenied"},
		{"an SQS internal error", &smithy.GenericAPIError{Code: "InternalError", Message: "try again", Fault: smithy.FaultServer}, false, "InternalError"},
		// SQS's refusal to move this queue's messages is not an endpoint
		// without the action: copying could race a task already running.
		{"SQS refusing the move", &smithy.GenericAPIError{Code: "UnsupportedOperation", Message: "x"}, false, "UnsupportedOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copied := false
			client := &copyWatcher{fakeRedriveClient: fakeRedriveClient{t: t,
				startMessageMoveTask: func(*sqs.StartMessageMoveTaskInput) (*sqs.StartMessageMoveTaskOutput, error) { return nil, tc.err },
			}, received: &copied}

			// WHEN the dead-letter queue is redriven
			res, err := (&queue.Redriver{Client: client}).Redrive(t.Context(), "backoffice-mail-dlq")

			// THEN only an endpoint that lacks the action gets the copy; any other error is returned as it is
			if copied != tc.wantCopy {
				t.Errorf("copied %v, want %v (result %+v, err %v)", copied, tc.wantCopy, res, err)
			}
			if tc.wantCopy && (err != nil || res.Method != queue.MovedByCopy) {
				t.Errorf("result %+v, err %v; want a copy without error", res, err)
			}
			if !tc.wantCopy && (err == nil || !strings.Contains(err.Error(), tc.wantInErr)) {
				t.Errorf("err = %v, want one carrying %s", err, tc.wantInErr)
			}
		})
	}
}

// copyWatcher is a fakeRedriveClient whose dead-letter queue is empty to
// the copy, which it records.
type copyWatcher struct {
	fakeRedriveClient
	received *bool
}

func (c *copyWatcher) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	*c.received = true
	return &sqs.ReceiveMessageOutput{}, nil
}
