package reminders_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// genStore makes up n pending invitations of one program as the index
// would page them (learner i in shard i mod learnerShards, sent i ms after
// the Tuesday before the Saturday), claims every reminder at once and
// keeps nothing: what the run holds in memory is the run's own.
type genStore struct {
	n      int
	sent   time.Time
	claims atomic.Int64
	mu     sync.Mutex
	run    *reminders.Run
}

func (g *genStore) ReminderPrograms(_ context.Context, shard int, after string, _ int) ([]reminders.Program, error) {
	if shard != 0 || after != "" {
		return nil, nil
	}
	return []reminders.Program{{OrgID: "org_a", ID: "p1", Name: "Data", Slug: "data", Key: "org_a#p1"}}, nil
}

func (g *genStore) PendingInvitations(_ context.Context, _ string, shard int, w reminders.Window, after string, limit int) ([]reminders.Invitation, string, error) {
	if w.N != 1 {
		return nil, "", nil
	}
	i := shard
	if after != "" {
		_, n, _ := strings.Cut(after, "#")
		last, _ := strconv.Atoi(n)
		i = last + learnerShards
	}
	page := make([]reminders.Invitation, 0, limit)
	for ; i < g.n && len(page) < limit; i += learnerShards {
		sent := g.sent.Add(time.Duration(i) * time.Millisecond)
		email := fmt.Sprintf("learner%07d@acme.edu", i)
		page = append(page, reminders.Invitation{Key: fmt.Sprintf("%013d#%d", sent.UnixMilli(), i), Learner: bo.Learner{
			OrgID: "org_a", ProgramID: "p1", Email: email, EmailKey: email, FullName: "Learner", State: bo.StateInvited,
			InvitationID: "inv", InvitedAt: &sent, EmailQueuedAt: &sent}})
	}
	if i >= g.n {
		return page, "", nil
	}
	return page, page[len(page)-1].Key, nil
}

func (g *genStore) Reachability(context.Context, string, []string) (map[string]bo.Reach, error) {
	return map[string]bo.Reach{}, nil
}

func (g *genStore) ClaimReminder(context.Context, reminders.Reminder, string) (*reminders.Reminder, error) {
	g.claims.Add(1)
	return nil, nil
}

func (g *genStore) TakeOverReminder(context.Context, reminders.ReminderKey, string, string, time.Time) (bool, error) {
	return false, nil
}

func (g *genStore) MarkReminderQueued(context.Context, reminders.ReminderKey, time.Time) error {
	return nil
}

func (g *genStore) GetReminderRun(context.Context, time.Time) (reminders.Run, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.run == nil {
		return reminders.Run{}, bo.Errorf(bo.ENOTFOUND, "no run")
	}
	return *g.run, nil
}

func (g *genStore) SaveReminderRun(_ context.Context, r reminders.Run) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.run = &r
	return nil
}

func (g *genStore) MarkRemindersRun(context.Context, string, string, time.Time) error { return nil }

func (g *genStore) GetOrg(context.Context, string) (bo.Org, error) { return bo.Org{Name: "Acme"}, nil }

type countingOutbox struct{ n atomic.Int64 }

func (o *countingOutbox) Publish(_ context.Context, msgs []mail.Message) error {
	o.n.Add(int64(len(msgs)))
	return nil
}

// peakLiveHeap samples the live heap (the bytes the last collection found
// live) every 2 ms until stop is closed and returns the most it saw.
func peakLiveHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// BenchmarkRun measures a Saturday's run over n due invitations with the
// store and the queue in memory: reminders planned and queued a second,
// and the peak live heap, which stays flat as n grows (one page of 100
// invitations at a time).
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("invitations=%d", n), func(b *testing.B) {
			var total int64
			var peak uint64
			var elapsed time.Duration
			for b.Loop() {
				store := &genStore{n: n, sent: saturday.AddDate(0, 0, -4)}
				outbox := &countingOutbox{}
				r := reminders.NewRunner(store, outbox, fakeLinks{}, reminders.Config{LearnerAppURL: "https://learn.example.com",
					ProgramShards: programShards, LearnerShards: learnerShards}, slog.New(slog.DiscardHandler))
				runtime.GC()
				stop := make(chan struct{})
				heap := peakLiveHeap(stop)
				start := time.Now()
				report, err := r.Run(context.Background(), saturday, "bench")
				elapsed += time.Since(start)
				close(stop)
				peak = max(peak, <-heap)
				if err != nil || report.Queued != n || outbox.n.Load() != int64(n) {
					b.Fatalf("report %+v, %v; queued %d, want %d", report, err, outbox.n.Load(), n)
				}
				total += int64(n)
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "reminders/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MB")
		})
	}
}
