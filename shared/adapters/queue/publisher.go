// Package queue adapts the back office's queues to Amazon SQS: a Publisher
// that puts mail messages on the mail queue in batches, BatchHandler, the
// generic Lambda handler that reports partial batch failures, Poll, which
// stands in locally for Lambda's event source mapping, and Redriver, which
// moves a dead-letter queue's messages back to their queue.
package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/domain/mail"
)

const (
	// maxBatchEntries is the most messages SendMessageBatch takes at once.
	maxBatchEntries = 10
	// maxBatchBytes is the most a SendMessageBatch request's bodies may add
	// up to (and so the largest single message): 256 KiB, the limit queues
	// have by default.
	maxBatchBytes = 256 * 1024
	// publishAttempts bounds how often an entry that SQS failed is sent.
	publishAttempts = 4
	// publishBackoff is the wait before the first retry; it doubles.
	publishBackoff = 100 * time.Millisecond
)

// SendClient is the part of the SQS API the Publisher uses.
type SendClient interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ SendClient = (*sqs.Client)(nil)

// Publisher puts mail messages on a queue.
type Publisher struct {
	client   SendClient
	queueURL string
	backoff  time.Duration
}

// NewPublisher returns a Publisher onto the queue at queueURL.
func NewPublisher(client SendClient, queueURL string) *Publisher {
	return &Publisher{client: client, queueURL: queueURL, backoff: publishBackoff}
}

// FailedMessage is a message that Publish could not put on the queue.
type FailedMessage struct {
	ID     string // the message's ID (mail.Message.ID)
	Reason string
}

// PublishError names the messages Publish could not put on the queue. The
// others are on it.
type PublishError struct {
	Failed []FailedMessage
	Total  int
}

// Error implements the error interface: "publish: 2 of 120 messages failed
// (first: invitation/…: reason)".
func (e *PublishError) Error() string {
	return fmt.Sprintf("publish: %d of %d messages failed (first: %s: %s)", len(e.Failed), e.Total, e.Failed[0].ID, e.Failed[0].Reason)
}

// Publish puts each message on the queue as JSON, in SendMessageBatch
// requests of at most 10 messages and 256 KiB. Entries that SQS fails for a
// reason of its own (not the sender's fault) are sent again, up to 4 times
// in all with a growing pause; so is a request that fails as a whole.
//
// It returns nil when every message is on the queue, and otherwise a
// *PublishError naming those that are not (a message over 256 KiB is one,
// without being sent). A message may then be on the queue and yet reported
// failed (its request failed after SQS took it), or on it twice: the mailer
// sends each message ID once, so publishing again every message reported
// failed is safe. It returns ctx's error, wrapped in the PublishError's
// reasons, when ctx ends first.
func (p *Publisher) Publish(ctx context.Context, msgs []mail.Message) error {
	var failed []FailedMessage
	var batch []types.SendMessageBatchRequestEntry
	ids := map[string]string{} // entry ID -> message ID, for the batch
	size := 0
	flush := func() {
		if len(batch) > 0 {
			failed = append(failed, p.sendBatch(ctx, batch, ids)...)
		}
		batch, ids, size = nil, map[string]string{}, 0
	}
	for i, m := range msgs {
		body, err := json.Marshal(m)
		if err != nil { // a map of strings always encodes
			failed = append(failed, FailedMessage{ID: m.ID, Reason: err.Error()})
			continue
		}
		if len(body) > maxBatchBytes {
			failed = append(failed, FailedMessage{ID: m.ID, Reason: fmt.Sprintf("message of %d bytes is over the SQS limit of %d", len(body), maxBatchBytes)})
			continue
		}
		if len(batch) == maxBatchEntries || size+len(body) > maxBatchBytes {
			flush()
		}
		entryID := "m" + strconv.Itoa(i)
		ids[entryID] = m.ID
		batch = append(batch, types.SendMessageBatchRequestEntry{Id: aws.String(entryID), MessageBody: aws.String(string(body))})
		size += len(body)
	}
	flush()
	if len(failed) > 0 {
		return &PublishError{Failed: failed, Total: len(msgs)}
	}
	return nil
}

// sendBatch sends one batch, sending again the entries SQS failed on its
// side, and returns the messages that are still not on the queue.
func (p *Publisher) sendBatch(ctx context.Context, batch []types.SendMessageBatchRequestEntry, ids map[string]string) []FailedMessage {
	reasons := map[string]string{} // entry ID -> why it is not on the queue yet
	byID := make(map[string]types.SendMessageBatchRequestEntry, len(batch))
	for _, e := range batch {
		byID[*e.Id] = e
	}
	entries, pause := batch, p.backoff
	for attempt := 1; ; attempt++ {
		out, err := p.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: entries})
		var retry []types.SendMessageBatchRequestEntry
		if err != nil {
			retry = entries
			for _, e := range entries {
				reasons[*e.Id] = err.Error()
			}
		} else {
			for _, ok := range out.Successful {
				delete(reasons, aws.ToString(ok.Id))
			}
			for _, f := range out.Failed {
				id := aws.ToString(f.Id)
				e, known := byID[id]
				if !known {
					continue
				}
				reasons[id] = strings.TrimSpace(aws.ToString(f.Code) + ": " + aws.ToString(f.Message))
				if !f.SenderFault {
					retry = append(retry, e)
				}
			}
		}
		entries = retry
		if len(entries) == 0 || attempt == publishAttempts || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause *= 2
	}
	var failed []FailedMessage
	for _, e := range batch {
		if reason, ok := reasons[*e.Id]; ok {
			failed = append(failed, FailedMessage{ID: ids[*e.Id], Reason: reason})
		}
	}
	return failed
}
