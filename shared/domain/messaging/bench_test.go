package messaging

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
	"github.com/learnops/backoffice/shared/domain/optout"
)

// benchStore is an audience of n invitees of one program, made up page by
// page as it is read, so that the store itself holds no more than a bit a
// recipient (its delivery records) and the memory measured is the
// planner's. Every 100th address is suppressed.
type benchStore struct {
	n        int
	m        Message
	mu       sync.Mutex
	planned  []uint64 // a bit per recipient: its delivery record
	counts   map[string]int
	pages    map[string]bool
	capWrite atomic.Int64
	sent     bool
}

var _ PlanStore = (*benchStore)(nil)

func newBenchStore(n int, m Message) *benchStore {
	return &benchStore{n: n, m: m, planned: make([]uint64, n/64+1), counts: map[string]int{}, pages: map[string]bool{}}
}

func benchEmail(i int) string { return fmt.Sprintf("learner%07d@bench.example", i) }

func benchIndex(emailKey string) int {
	i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(emailKey, "learner"), "@bench.example"))
	return i
}

func (s *benchStore) GetMessage(context.Context, string, string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	if s.sent {
		m.Status = StatusSent
	}
	return m, nil
}
func (s *benchStore) MarkSent(context.Context, string, string, time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = true
	return nil
}
func (s *benchStore) AdvancePlan(_ context.Context, _, _, from, to string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m.Frontier != from {
		return false, nil
	}
	s.m.Frontier = to
	return true, nil
}
func (s *benchStore) GetOrg(context.Context, string) (bo.Org, error) {
	return bo.Org{ID: "org1", Name: "Acme University"}, nil
}
func (s *benchStore) GetProgram(_ context.Context, orgID, id string) (bo.Program, error) {
	return bo.Program{OrgID: orgID, ID: id, Name: "Data Skills", Slug: "data-skills"}, nil
}
func (s *benchStore) MessagingSettings(context.Context, string) (Settings, error) {
	return DefaultSettings, nil
}
func (s *benchStore) ListMembers(_ context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error) {
	start := 0
	if q.Cursor != "" {
		start, _ = strconv.Atoi(q.Cursor)
	}
	end := min(start+q.Limit, s.n)
	page := bo.MemberPage{Items: make([]bo.Learner, 0, end-start), Read: end - start}
	now := time.Now()
	for i := start; i < end; i++ {
		e := benchEmail(i)
		page.Items = append(page.Items, bo.Learner{OrgID: "org1", ProgramID: programID, Email: e, EmailKey: e,
			FullName: "Learner " + strconv.Itoa(i), State: bo.StateInvited, InvitedAt: &now})
	}
	if end < s.n {
		page.NextCursor = strconv.Itoa(end)
	}
	return page, nil
}
func (s *benchStore) GetLearners(context.Context, string, []string) (map[string]bo.Learner, error) {
	return nil, nil
}
func (s *benchStore) Reachability(_ context.Context, _ string, keys []string) (map[string]bo.Reach, error) {
	out := map[string]bo.Reach{}
	for _, k := range keys {
		if benchIndex(k)%100 == 99 {
			out[k] = bo.Suppressed
		}
	}
	return out, nil
}
func (s *benchStore) CapStates(context.Context, string, []string) (map[string]CapState, error) {
	return map[string]CapState{}, nil
}
func (s *benchStore) PutCap(context.Context, string, string, CapState, time.Time) error {
	s.capWrite.Add(1)
	return nil
}
func (s *benchStore) PutDelivery(_ context.Context, d Delivery) (Delivery, bool, error) {
	i := benchIndex(d.EmailKey)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.planned[i/64]&(1<<(i%64)) != 0 {
		return Delivery{Page: "another"}, false, nil // only the first delivery of each page is measured
	}
	s.planned[i/64] |= 1 << (i % 64)
	return d, true, nil
}
func (s *benchStore) CountPage(_ context.Context, _, page string, counts map[string]int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pages[page] {
		s.pages[page] = true
		for k, n := range counts {
			s.counts[k] += n
		}
	}
	return nil
}

// benchOutbox is an in-process mail queue: it takes the emails as they
// are (the SQS publisher's JSON encoding is the adapter's cost, not the
// planner's) and keeps only how many there were.
type benchOutbox struct{ emails atomic.Int64 }

func (o *benchOutbox) Publish(_ context.Context, msgs []mail.Message) error {
	o.emails.Add(int64(len(msgs)))
	return nil
}

// heapPeak samples the heap's live and unswept objects every millisecond
// until stopped, and keeps the largest.
type heapPeak struct {
	stop chan struct{}
	done chan uint64
}

func watchHeap() *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-h.stop:
				h.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) peak() uint64 {
	close(h.stop)
	return <-h.done
}

// BenchmarkPlanner plans a message to the invitees of a program, through an
// in-process plan queue, chunks of 2,000 recipients: recipients planned a
// second, and the heap's peak while planning (flat: the planner holds a
// page at a time, whatever the audience).
func BenchmarkPlanner(b *testing.B) {
	secret := []byte(strings.Repeat("k", optout.MinSecretBytes))
	signer, err := optout.NewSigner(secret, "https://api.example.com")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("recipients=%d", n), func(b *testing.B) {
			p, _ := presetNamed(PresetRemindToJoin)
			now := time.Now().UTC()
			m := Message{ID: "msg_bench", OrgID: "org1", Status: StatusSending, Subject: p.Subject, Content: p.Content,
				CallToAction: &p.CallToAction, SenderName: "Dean", ReplyTo: ReplyToAuthor, Author: Author{Email: "dean@acme.edu"},
				Audience: Audience{Status: p.Status}, Targets: []string{"p1"}, SendingAt: &now}
			var peak uint64
			var planned int
			for b.Loop() {
				store, out, plans := newBenchStore(n, m), &benchOutbox{}, &planQueue{}
				planner := NewPlanner(store, out, plans, signer, PlanConfig{LearnerAppURL: "https://learn.example.com"})
				planner.Log = slog.New(slog.DiscardHandler)
				runtime.GC()
				watch := watchHeap()
				plans.items = append(plans.items, PlanItem{Kind: PlanKind, OrgID: "org1", MessageID: m.ID})
				for {
					it, ok := plans.take()
					if !ok {
						break
					}
					if err := planner.Plan(context.Background(), it); err != nil {
						b.Fatal(err)
					}
				}
				peak = max(peak, watch.peak())
				if want := n - n/100; int(out.emails.Load()) != want || store.counts[countPlanned] != n || !store.sent {
					b.Fatalf("%d emails, counts %v, sent %v; want %d emails of %d planned", out.emails.Load(), store.counts, store.sent, want, n)
				}
				planned += n
			}
			b.ReportMetric(float64(planned)/b.Elapsed().Seconds(), "recipients/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
