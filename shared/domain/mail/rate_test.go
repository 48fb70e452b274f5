package mail_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/adapters/ses"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// fakeSES is the SES API of the mailer: it records the instant of each
// accepted SendRawEmail on the clock of now.
type fakeSES struct {
	now   func() time.Time
	mu    sync.Mutex
	sends []time.Time
}

var _ ses.Client = (*fakeSES)(nil)

func (f *fakeSES) SendRawEmail(context.Context, *awsses.SendRawEmailInput, ...func(*awsses.Options)) (*awsses.SendRawEmailOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends = append(f.sends, f.now())
	return &awsses.SendRawEmailOutput{}, nil
}

func (f *fakeSES) GetSendQuota(context.Context, *awsses.GetSendQuotaInput, ...func(*awsses.Options)) (*awsses.GetSendQuotaOutput, error) {
	return &awsses.GetSendQuotaOutput{MaxSendRate: 14}, nil
}

// mailerInstance is one mailer instance as wire.MailerHandler builds it
// (batch handler, dispatcher, pacer at its share of the account's rate, the
// SES sender), on a fake clock of its own and a fake SES.
type mailerInstance struct {
	clock   *fakeClock
	ses     *fakeSES
	handler queue.Handler
}

func newMailerInstance(t testing.TB, perSecond float64) *mailerInstance {
	t.Helper()
	clock := &fakeClock{t: t0}
	pacer, err := mail.NewPacerWithClock(perSecond, clock.Now, clock.Sleep)
	if err != nil {
		t.Fatal(err)
	}
	client := &fakeSES{now: clock.Now}
	claims, _, _ := memClaims()
	d := mail.NewDispatcher(claims, ses.NewSender(client, "backoffice-feedback"), pacer, from, slog.New(slog.DiscardHandler))
	return &mailerInstance{clock: clock, ses: client, handler: queue.BatchHandler(d.DeliverJSON, slog.New(slog.DiscardHandler))}
}

// batch returns an SQS event of the messages with the given ids.
func batch(t testing.TB, ids []string) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	for _, id := range ids {
		body, err := json.Marshal(invitation(id))
		if err != nil {
			t.Fatal(err)
		}
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: id, Body: string(body)})
	}
	return ev
}

// runFor feeds the instance batches of 1 to 10 messages, a third of them
// redeliveries of messages already sent, with no idle time (the queue always
// has a backlog), until its clock reaches until.
func (m *mailerInstance) runFor(t testing.TB, until time.Time, rng *rand.Rand) {
	t.Helper()
	next := 0
	for m.clock.Now().Before(until) {
		ids := make([]string, 1+rng.IntN(10))
		for i := range ids {
			if next > 0 && rng.IntN(3) == 0 {
				ids[i] = fmt.Sprint("e", rng.IntN(next))
			} else {
				ids[i] = fmt.Sprint("e", next)
				next++
			}
		}
		res, err := m.handler(context.Background(), batch(t, ids))
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("batch: %v, failures %v", err, res.BatchItemFailures)
		}
	}
}

// TestMailerKeepsTheConfiguredRate runs the mailer's instances flat out for
// a minute of a fake clock, through the batch handler, the dispatcher, the
// pacer and the SES sender down to a fake SES, and checks the instants SES
// was called at, never elapsed time:
//
//   - never exceeded: two sends of one instance are at least 1/rate apart,
//     so no window of W seconds holds more than ceil(rate·W) of them; the
//     instances together hold no more than the account's rate·W, plus one
//     send per instance (the burst of one each idle instance allows);
//   - held within 5%: over the minute the instances together send at least
//     95% of the account's rate (redelivered messages take no turn).
func TestMailerKeepsTheConfiguredRate(t *testing.T) {
	const minute = time.Minute
	for _, tc := range []struct {
		rate        float64
		concurrency int
	}{{1, 1}, {1, 2}, {14, 1}, {14, 2}, {50, 2}, {200, 3}} {
		t.Run(fmt.Sprintf("%v a second over %d instances", tc.rate, tc.concurrency), func(t *testing.T) {
			each, err := mail.PerInstanceRate(tc.rate, tc.concurrency)
			if err != nil {
				t.Fatal(err)
			}
			var all []time.Time
			for i := range tc.concurrency {
				m := newMailerInstance(t, each)
				m.runFor(t, t0.Add(minute), rand.New(rand.NewPCG(uint64(i), uint64(tc.rate))))
				sends := m.ses.sends
				for j := 1; j < len(sends); j++ {
					if gap := sends[j].Sub(sends[j-1]); gap < time.Duration(float64(time.Second)/each) {
						t.Fatalf("instance %d: sends %d and %d are %v apart, under 1/%v s", i, j-1, j, gap, each)
					}
				}
				for _, w := range windows {
					if got, limit := maxInWindow(sends, w), int(math.Ceil(each*w.Seconds())); got > limit {
						t.Errorf("instance %d: %d sends in a window of %v, want at most %d", i, got, w, limit)
					}
				}
				all = append(all, sends...)
			}
			for _, w := range windows {
				if got, limit := maxInWindow(all, w), int(tc.rate*w.Seconds())+tc.concurrency; got > limit {
					t.Errorf("%d sends in a window of %v, want at most %d", got, w, limit)
				}
			}
			inMinute := 0
			for _, at := range all {
				if at.Before(t0.Add(minute)) {
					inMinute++
				}
			}
			want := tc.rate * minute.Seconds()
			if float64(inMinute) < 0.95*want || float64(inMinute) > want+float64(tc.concurrency) {
				t.Errorf("%d sends in the minute, want %v within 5%% and never above it (± one per instance)", inMinute, want)
			}
			t.Logf("%d sends in a minute at %v a second: %.2f%% of the rate", inMinute, tc.rate, 100*float64(inMinute)/want)
		})
	}
}
