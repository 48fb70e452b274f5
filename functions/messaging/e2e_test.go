package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/domain/optout"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

// defaultE2ERecipients is the audience of the end-to-end test in `make
// test`: enough for several plan items and dozens of mail batches, some of
// each delivered twice, in a minute or two on a busy two-core machine.
// MESSAGING_E2E_RECIPIENTS sets another (`make e2e-messaging` runs 2,000).
const defaultE2ERecipients = 300

// e2eRecipients returns the audience of the end-to-end test.
func e2eRecipients(t *testing.T) int {
	t.Helper()
	v := os.Getenv("MESSAGING_E2E_RECIPIENTS")
	if v == "" {
		return defaultE2ERecipients
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 10 {
		t.Fatalf("MESSAGING_E2E_RECIPIENTS=%q: want a whole number of at least 10", v)
	}
	return n
}

// twice returns a handler that handles every nth batch twice in a row, as
// SQS does when it delivers a batch again (a visibility timeout that ran
// out, a lost acknowledgement), and counts the batches it doubled.
func twice(h queue.Handler, n int64, doubled *atomic.Int64) queue.Handler {
	var batches atomic.Int64
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		res, err := h(ctx, ev)
		if batches.Add(1)%n == 0 {
			doubled.Add(1)
			return h(ctx, ev)
		}
		return res, err
	}
}

// TestEveryRecipientGetsOneEmail sends a message to a few hundred invitees
// (MESSAGING_E2E_RECIPIENTS; 2,000 under `make e2e-messaging`) on the
// emulator, through the plan queue (in four plan items, every other one
// delivered twice) and the mail queue (every third batch delivered twice),
// with two mailers running in-process as the mail queue's consumers:
// exactly one email is sent to each invitee, and the message counts every
// one planned and queued. The queues are drained as the message goes out;
// the wait is on progress, as moto's pace varies with the machine's load.
func TestEveryRecipientGetsOneEmail(t *testing.T) {
	recipients := e2eRecipients(t)
	if testing.Short() {
		t.Skipf("sends %d emails on the emulator", recipients)
	}
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(recipients); i = next.Add(1) - 1 {
				invitee(t, w, fmt.Sprintf("learner%04d@acme.edu", i))
			}
		})
	}
	wg.Wait()

	cfg := w.AWS
	client := sqs.NewFromConfig(cfg)
	planURL, _ := emulatortest.NewQueue(t, cfg, resources.PlanQueue)
	signer, err := optout.NewSigner([]byte(strings.Repeat("e", 64)), "https://api.example.com")
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	plans := queue.NewWork(client, planURL)
	svc := messaging.NewService(w.Store, w.Admin, plans, messaging.Config{LearnerAppURL: w.Conf.LearnerAppURL})
	planner := messaging.NewPlanner(w.Store, queue.NewPublisher(client, w.Conf.MailQueueURL), plans, signer,
		messaging.PlanConfig{LearnerAppURL: w.Conf.LearnerAppURL, ItemRecipients: (recipients + 3) / 4})
	planner.Log = quiet
	sender := emulator.UniquePrefix("e2e") + "sender@learn.example.com"
	if err := emulator.VerifySender(ctx, cfg, sender); err != nil {
		t.Fatal(err)
	}
	// Two mailer instances, as the mail queue's event source runs them.
	var mailers []queue.Handler
	for range 2 {
		mailer, err := wire.MailerHandler(ctx, cfg, wire.Mailer{Base: w.Conf.Base, From: sender, SendRate: 1000, Concurrency: 2}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		mailers = append(mailers, mailer)
	}

	// The two consumers drain their queues while the message goes out.
	var doubledPlans, doubledMail atomic.Int64
	run, stop := context.WithCancel(ctx)
	var consumers sync.WaitGroup
	consumers.Go(func() {
		_ = queue.Poll(run, client, planURL, twice(queue.BatchHandler(planner.Handle, quiet), 2, &doubledPlans), quiet)
	})
	for _, mailer := range mailers {
		consumers.Go(func() { _ = queue.Poll(run, client, w.Conf.MailQueueURL, twice(mailer, 3, &doubledMail), quiet) })
	}
	t.Cleanup(func() { stop(); consumers.Wait() })

	m, err := svc.Create(ctx, w.Boss, w.Org.ID, messaging.Draft{Preset: messaging.PresetRemindToJoin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Send(ctx, w.Boss, w.Org.ID, m.ID, true); err != nil {
		t.Fatal(err)
	}

	// Wait until every recipient is planned and both queues are empty:
	// every email is then sent, and a second one would have been too.
	// (Reading the emulator's emails meanwhile would only slow it down.)
	// The wait fails only when nothing moved for stallAfter: the bound is on
	// progress, not on time (go test's -timeout bounds the whole).
	const stallAfter = 2 * time.Minute
	start, lastMove := time.Now(), time.Now()
	var last string
	for {
		c, err := svc.Get(ctx, w.Boss, w.Org.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		planEmpty, mailEmpty := queueEmpty(t, client, planURL), queueEmpty(t, client, w.Conf.MailQueueURL)
		if c.Status == messaging.StatusSent && planEmpty && mailEmpty {
			break
		}
		if state := fmt.Sprintf("%s %+v %v %v", c.Status, c.Counts, planEmpty, mailEmpty); state != last {
			last, lastMove = state, time.Now()
		}
		if time.Since(lastMove) > stallAfter {
			t.Fatalf("not done after %s (nothing moved for %s): %s, counts %+v; plan queue empty %v, mail queue empty %v",
				time.Since(start).Round(time.Second), time.Since(lastMove).Round(time.Second), c.Status, c.Counts, planEmpty, mailEmpty)
		}
		time.Sleep(time.Second)
	}
	sent := sestest.SentFrom(t, emulatortest.Endpoint(t), sender)
	got := sent
	to := map[string]int{}
	for _, e := range got {
		to[strings.ToLower(e.To[0])]++
	}
	if len(got) != recipients || len(to) != recipients {
		t.Fatalf("%d emails to %d addresses, want %d to %d", len(got), len(to), recipients, recipients)
	}
	final, err := svc.Get(ctx, w.Boss, w.Org.ID, m.ID)
	if err != nil || final.Status != messaging.StatusSent || final.Counts.Planned != recipients || final.Counts.Queued != recipients {
		t.Fatalf("message %s, counts %+v (%v)", final.Status, final.Counts, err)
	}
	if doubledPlans.Load() == 0 || doubledMail.Load() == 0 {
		t.Fatalf("%d plan and %d mail batches delivered twice: the test proved nothing", doubledPlans.Load(), doubledMail.Load())
	}
	t.Logf("%d emails to %d addresses in %s; %d plan items and %d mail batches delivered twice",
		len(got), len(to), time.Since(start).Round(time.Second), doubledPlans.Load(), doubledMail.Load())
}

// queueEmpty reports whether the queue holds no message, visible or in
// flight.
func queueEmpty(t *testing.T, client *sqs.Client, url string) bool {
	t.Helper()
	out, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)] == "0" &&
		out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)] == "0"
}
