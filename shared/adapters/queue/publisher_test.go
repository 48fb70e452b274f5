package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// fakeSendClient is a queue.SendClient of one function field.
type fakeSendClient struct {
	sendMessageBatch func(ctx context.Context, in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)
}

var _ queue.SendClient = (*fakeSendClient)(nil)

func (f *fakeSendClient) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return f.sendMessageBatch(ctx, in)
}

func messages(n int) []mail.Message {
	out := make([]mail.Message, n)
	for i := range out {
		out[i] = mail.Message{
			ID: fmt.Sprintf("invitation/inv_%02d/tok_%02d", i, i), To: fmt.Sprintf("learner%02d@example.com", i),
			Template: mail.TemplateProgramWelcome, OrgID: "org_1",
			Data: map[string]string{"LearnerName": fmt.Sprint("Learner ", i), "OrgName": "Acme", "ProgramName": "Data", "ProgramURL": "https://l.example/p"},
		}
	}
	return out
}

// bodyID returns the message ID inside an entry's JSON body.
func bodyID(t *testing.T, e types.SendMessageBatchRequestEntry) string {
	t.Helper()
	var m mail.Message
	if err := json.Unmarshal([]byte(aws.ToString(e.MessageBody)), &m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// fakeQueue answers SendMessageBatch: fail decides, per attempt and message
// ID, whether an entry fails and whether it is the sender's fault.
func fakeQueue(t *testing.T, fail func(attempt int, id string) (failed, senderFault bool)) (*fakeSendClient, *[][]string, map[string]int) {
	var calls [][]string
	attempts := map[string]int{}
	return &fakeSendClient{sendMessageBatch: func(_ context.Context, in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		out := &sqs.SendMessageBatchOutput{}
		var ids []string
		for _, e := range in.Entries {
			id := bodyID(t, e)
			ids = append(ids, id)
			attempts[id]++
			if failed, sf := fail(attempts[id], id); failed {
				out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again"), SenderFault: sf})
			} else {
				out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("sqs-" + id)})
			}
		}
		calls = append(calls, ids)
		return out, nil
	}}, &calls, attempts
}

func TestPublishBatchesOfTen(t *testing.T) {
	client, calls, _ := fakeQueue(t, func(int, string) (bool, bool) { return false, false })
	if err := queue.NewPublisher(client, "q").Publish(context.Background(), messages(23)); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, c := range *calls {
		sizes = append(sizes, len(c))
	}
	if !slices.Equal(sizes, []int{10, 10, 3}) {
		t.Fatalf("batches of %v, want 10 10 3", sizes)
	}
	if err := queue.NewPublisher(client, "q").Publish(context.Background(), nil); err != nil {
		t.Fatalf("publishing nothing: %v", err)
	}
}

func TestPublishRetriesFailedEntries(t *testing.T) {
	msgs := messages(12)
	client, calls, attempts := fakeQueue(t, func(attempt int, id string) (bool, bool) {
		switch id {
		case msgs[3].ID: // fails once, then goes through
			return attempt == 1, false
		case msgs[5].ID: // the sender's fault: not retried
			return true, true
		case msgs[11].ID: // fails every time
			return true, false
		}
		return false, false
	})
	p := queue.NewPublisher(client, "q")
	queue.SetBackoffForTest(p, 0)
	err := p.Publish(context.Background(), msgs)
	var pe *queue.PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("Publish = %v, want a *PublishError", err)
	}
	var failed []string
	for _, f := range pe.Failed {
		failed = append(failed, f.ID)
	}
	if !slices.Equal(failed, []string{msgs[5].ID, msgs[11].ID}) || pe.Total != 12 {
		t.Fatalf("failed %v of %d, want %s and %s of 12", failed, pe.Total, msgs[5].ID, msgs[11].ID)
	}
	if !strings.Contains(err.Error(), "2 of 12 messages failed") || !strings.Contains(err.Error(), "InternalError: try again") {
		t.Fatalf("error %q does not say how many failed and why", err)
	}
	if attempts[msgs[3].ID] != 2 || attempts[msgs[5].ID] != 1 || attempts[msgs[11].ID] != 4 || attempts[msgs[0].ID] != 1 {
		t.Fatalf("attempts %v; want 2 for the one that recovered, 1 for the sender's fault, 4 for the one that never does, 1 for the rest", attempts)
	}
	// The retries send only the failed entries again.
	if len(*calls) != 6 || len((*calls)[1]) != 1 || len((*calls)[2]) != 2 || len((*calls)[3]) != 1 {
		t.Fatalf("calls %v", *calls)
	}
}

func TestPublishRetriesAFailedRequest(t *testing.T) {
	n := 0
	client := &fakeSendClient{sendMessageBatch: func(_ context.Context, in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		n++
		if n == 1 {
			return nil, errors.New("connection reset")
		}
		out := &sqs.SendMessageBatchOutput{}
		for _, e := range in.Entries {
			out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id})
		}
		return out, nil
	}}
	p := queue.NewPublisher(client, "q")
	queue.SetBackoffForTest(p, 0)
	if err := p.Publish(context.Background(), messages(3)); err != nil || n != 2 {
		t.Fatalf("Publish = %v after %d calls, want nil after 2", err, n)
	}
}

func TestPublishRefusesOversizedMessagesAndSplitsBySize(t *testing.T) {
	client, calls, _ := fakeQueue(t, func(int, string) (bool, bool) { return false, false })
	msgs := messages(4)
	msgs[0].Data["LearnerName"] = strings.Repeat("x", 100*1024)
	msgs[1].Data["LearnerName"] = strings.Repeat("y", 100*1024)
	msgs[2].Data["LearnerName"] = strings.Repeat("z", 300*1024) // over the limit alone
	msgs[3].Data["LearnerName"] = strings.Repeat("w", 100*1024)
	err := queue.NewPublisher(client, "q").Publish(context.Background(), msgs)
	var pe *queue.PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0].ID != msgs[2].ID || !strings.Contains(pe.Failed[0].Reason, "over the SQS limit") {
		t.Fatalf("Publish = %v, want the 300 KiB message refused", err)
	}
	var sizes []int
	for _, c := range *calls {
		sizes = append(sizes, len(c))
	}
	if !slices.Equal(sizes, []int{2, 1}) {
		t.Fatalf("batches of %v, want 2 and 1 (256 KiB a request)", sizes)
	}
}

// TestPublishOnTheEndpoint publishes 23 messages to a queue of the emulator
// and reads every one back.
func TestPublishOnTheEndpoint(t *testing.T) {
	cfg := emulatortest.Config(t)
	url, _ := emulatortest.NewQueue(t, cfg, resources.MailQueue)
	client := sqs.NewFromConfig(cfg)
	msgs := messages(23)
	if err := queue.NewPublisher(client, url).Publish(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	got := map[string]mail.Message{}
	for range 20 {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			msg, err := mail.ParseMessage(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			got[msg.ID] = msg
		}
		if len(got) == len(msgs) {
			break
		}
	}
	if len(got) != len(msgs) {
		t.Fatalf("read back %d messages, want %d", len(got), len(msgs))
	}
	for _, m := range msgs {
		if g := got[m.ID]; g.To != m.To || g.Template != m.Template || g.Data["LearnerName"] != m.Data["LearnerName"] || g.OrgID != "org_1" {
			t.Fatalf("message %s read back as %+v", m.ID, g)
		}
	}
}
