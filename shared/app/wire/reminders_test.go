package wire_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/reminders"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

var firstSaturday = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// remindersWorld is a program with invitations sent every seven hours over
// the three weeks before firstSaturday, and some that get no reminder: a
// member, an address that bounced, one that unsubscribed.
type remindersWorld struct {
	*wiretest.World
	// due are the invitations that get reminders, by email key.
	due map[string]bo.Learner
}

func newRemindersWorld(t *testing.T) *remindersWorld {
	t.Helper()
	ctx := t.Context()
	w := &remindersWorld{World: wiretest.NewWorld(t, 100), due: map[string]bo.Learner{}}
	start := firstSaturday.AddDate(0, 0, -21)
	for i := 0; start.Add(time.Duration(i) * 7 * time.Hour).Before(firstSaturday.Add(12 * time.Hour)); i++ {
		l := wiretest.Invitee(t, w.World, fmt.Sprintf("learner%03d@acme.edu", i), start.Add(time.Duration(i)*7*time.Hour))
		w.due[l.EmailKey] = l
	}
	member := wiretest.Invitee(t, w.World, "member@acme.edu", firstSaturday.AddDate(0, 0, -3))
	if _, err := w.Store.Join(ctx, member, time.Now()); err != nil {
		t.Fatal(err)
	}
	wiretest.Invitee(t, w.World, "bounced@acme.edu", firstSaturday.AddDate(0, 0, -3))
	wiretest.Invitee(t, w.World, "quit@acme.edu", firstSaturday.AddDate(0, 0, -10))
	if err := w.Store.Suppress(ctx, "bounced@acme.edu", "bounce", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.Store.OptOut(ctx, w.Org.ID, "quit@acme.edu", time.Now()); err != nil {
		t.Fatal(err)
	}
	return w
}

// want returns the mail IDs of the reminders due on the Saturday.
func (w *remindersWorld) want(saturday time.Time) map[string]int {
	out := map[string]int{}
	for _, l := range w.due {
		if n := reminders.ReminderOn(*l.InvitedAt, saturday); n > 0 {
			out[reminders.MessageID(w.Program.ID, l.EmailKey, *l.InvitedAt, n)] = 1
		}
	}
	return out
}

func ids(msgs []mail.Message) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		out[m.ID]++
	}
	return out
}

// schedule is the schedule's event of a Saturday at an hour.
func schedule(id string, saturday time.Time, hour int) events.EventBridgeEvent {
	return events.EventBridgeEvent{Version: "0", ID: id, DetailType: "Scheduled Event", Source: "aws.events",
		Time: saturday.Add(time.Duration(hour) * time.Hour), Detail: []byte("{}")}
}

// TestRemindersOnTheEmulator runs the schedule of four Saturdays on the
// emulator, each fired twice, the first time by two overlapping
// invocations: each reminder is queued once, every invitation gets
// exactly two, on its first and second Saturday, and none goes to the
// member, the bounced address or the unsubscribed one.
func TestRemindersOnTheEmulator(t *testing.T) {
	w := newRemindersWorld(t)
	tr, err := wire.Reminders(t.Context(), w.AWS, wiretest.Settings(t, w.BulkEnv(t), wire.ReadReminders), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	perInvitation := map[string]int{}
	for week := range 4 {
		saturday := firstSaturday.AddDate(0, 0, 7*week)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				if err := tr.Schedule(t.Context(), schedule(fmt.Sprintf("fire-%d-%d", week, i), saturday, 9)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		// A late retry of the same Saturday.
		if err := tr.Schedule(t.Context(), schedule(fmt.Sprintf("fire-%d-late", week), saturday, 23)); err != nil {
			t.Fatal(err)
		}
		got := ids(wiretest.DrainMail(t, w.World))
		if want := w.want(saturday); !maps.Equal(got, want) {
			t.Fatalf("%s: queued %v, want each of %v once", saturday.Format(reminders.DateLayout), got, want)
		}
		counts, err := w.Store.CampaignCounts(t.Context(), reminders.Campaign(w.Org.ID, w.Program.ID, saturday))
		if err != nil {
			t.Fatal(err)
		}
		if counts["queued"] != len(got) {
			t.Errorf("%s: counts %v, want %d queued", saturday.Format(reminders.DateLayout), counts, len(got))
		}
		for id := range got {
			perInvitation[id[:len(id)-2]]++
		}
		t.Logf("%s: %d reminders, counts %v", saturday.Format(reminders.DateLayout), len(got), counts)
	}
	first := firstSaturday.AddDate(0, 0, -7)
	for _, l := range w.due {
		id := reminders.MessageID(w.Program.ID, l.EmailKey, *l.InvitedAt, 1)
		want := 2
		if l.InvitedAt.Before(first) {
			want = 1 // its first Saturday was before the runs began
		}
		if l.InvitedAt.Before(first.AddDate(0, 0, -7)) {
			want = 0
		}
		if got := perInvitation[id[:len(id)-2]]; got != want {
			t.Errorf("%s (sent %s) got %d reminders, want %d", l.EmailKey, l.InvitedAt, got, want)
		}
	}
	counts, _ := w.Store.CampaignCounts(t.Context(), reminders.Campaign(w.Org.ID, w.Program.ID, firstSaturday))
	if counts["suppressed"] != 1 || counts["unsubscribed"] != 1 {
		t.Errorf("first Saturday's counts %v: want the bounced and the unsubscribed address held back", counts)
	}
}

// emulatorRunner is a run on the emulator with a test clock and small pages.
func emulatorRunner(t *testing.T, w *remindersWorld, outbox reminders.Outbox, now func() time.Time) *reminders.Runner {
	t.Helper()
	signer, err := wire.UnsubscribeSigner(t.Context(), w.AWS, wiretest.Settings(t, w.BulkEnv(t), wire.ReadReminders))
	if err != nil {
		t.Fatal(err)
	}
	r := reminders.NewRunner(w.Store, outbox, signer, reminders.Config{LearnerAppURL: w.Conf.LearnerAppURL,
		ProgramShards: dynamo.ProgramShards, LearnerShards: dynamo.LearnerShards}, slog.New(slog.DiscardHandler))
	r.PageSize, r.Reserve, r.Now = 3, 5*time.Second, now
	return r
}

// TestRunCutShortByItsDeadlineResumes: each invocation has a deadline
// that leaves it room for a few pages (the run's clock moves a second a
// reading); it stops before the deadline, saving its position, and the
// next invocation of the same event resumes there, until the Saturday is
// done with every reminder queued once.
func TestRunCutShortByItsDeadlineResumes(t *testing.T) {
	w := newRemindersWorld(t)
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
	r := emulatorRunner(t, w, queue.NewPublisher(sqs.NewFromConfig(w.AWS), w.Conf.MailQueueURL), now)
	attempts := 0
	for ; ; attempts++ {
		if attempts > 200 {
			t.Fatal("the run never finished")
		}
		// The deadline is a time of the run's clock, which a real
		// context.WithDeadline would also enforce on the real clock: an
		// attempt slowed down by a busy emulator would then end with
		// context.DeadlineExceeded instead of stopping itself.
		ctx := clockDeadline{Context: t.Context(), at: now().Add(12 * time.Second)}
		report, err := r.Run(ctx, firstSaturday, "event-1")
		if err == nil && report.Done {
			break
		}
		if !errors.Is(err, reminders.ErrStopped) {
			t.Fatalf("attempt %d: %+v, %v; want ErrStopped", attempts, report, err)
		}
	}
	if attempts < 2 {
		t.Fatalf("done in %d attempts: the deadline never stopped the run", attempts+1)
	}
	got, want := ids(wiretest.DrainMail(t, w.World)), w.want(firstSaturday)
	if !maps.Equal(got, want) {
		t.Fatalf("queued %v, want each of %v once", got, want)
	}
	counts, _ := w.Store.CampaignCounts(t.Context(), reminders.Campaign(w.Org.ID, w.Program.ID, firstSaturday))
	if counts["queued"] != len(want) || counts["planned"] != len(want)+2 {
		t.Fatalf("counts %v, want %d queued and 2 more planned", counts, len(want))
	}
	t.Logf("%d reminders in %d invocations", len(want), attempts+1)
}

// clockDeadline is the context of an invocation whose deadline is read on
// the run's clock only; it never expires on the real one.
type clockDeadline struct {
	context.Context
	at time.Time
}

func (c clockDeadline) Deadline() (time.Time, bool) { return c.at, true }

// cancelling is an outbox whose context ends at its n-th batch, as when
// Lambda's timeout ends an invocation in the middle of a page.
type cancelling struct {
	reminders.Outbox
	n      int
	calls  int
	cancel context.CancelFunc
}

func (c *cancelling) Publish(ctx context.Context, msgs []mail.Message) error {
	c.calls++
	if c.calls == c.n {
		c.cancel()
		return ctx.Err()
	}
	return c.Outbox.Publish(ctx, msgs)
}

// TestRunCancelledMidPageResumes: the invocation's context ends after it
// claimed a page and before it queued it; the retry of the same event
// queues that page's reminders (its own claims) and the rest, each once,
// and counts each once.
func TestRunCancelledMidPageResumes(t *testing.T) {
	w := newRemindersWorld(t)
	ctx, cancel := context.WithCancel(t.Context())
	out := &cancelling{Outbox: queue.NewPublisher(sqs.NewFromConfig(w.AWS), w.Conf.MailQueueURL), n: 3, cancel: cancel}
	r := emulatorRunner(t, w, out, func() time.Time { return time.Now().UTC() })
	if _, err := r.Run(ctx, firstSaturday, "event-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cut short: %v, want the context's end", err)
	}
	report, err := r.Run(t.Context(), firstSaturday, "event-1")
	if err != nil || !report.Done || report.Requeued == 0 {
		t.Fatalf("retry %+v, %v; want done, with the cut page requeued", report, err)
	}
	got, want := ids(wiretest.DrainMail(t, w.World)), w.want(firstSaturday)
	if !maps.Equal(got, want) {
		t.Fatalf("queued %v, want each of %v once", got, want)
	}
	counts, _ := w.Store.CampaignCounts(t.Context(), reminders.Campaign(w.Org.ID, w.Program.ID, firstSaturday))
	if counts["queued"] != len(want) {
		t.Fatalf("counts %v, want %d queued", counts, len(want))
	}
}
