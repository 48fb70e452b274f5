package mail_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/domain/mail"
)

// The rate tests run on a fake clock: Sleep advances it instantly, so they
// assert on the exact turns the Pacer hands out, never on elapsed time.

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newFakePacer(t *testing.T, perSecond float64) (*mail.Pacer, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: t0}
	p, err := mail.NewPacerWithClock(perSecond, clock.Now, clock.Sleep)
	if err != nil {
		t.Fatal(err)
	}
	return p, clock
}

// sendTimes makes n sends through p, each after an idle gap drawn from rng
// (none, a little, or long enough for the bucket to refill), and returns the
// instants the sends were let through.
func sendTimes(t *testing.T, p *mail.Pacer, clock *fakeClock, n int, rng *rand.Rand) []time.Time {
	t.Helper()
	var times []time.Time
	for range n {
		switch rng.IntN(4) {
		case 0: // back to back
		case 1:
			clock.Advance(time.Duration(rng.Int64N(int64(p.Interval()))))
		case 2:
			clock.Advance(time.Duration(rng.Int64N(int64(5 * p.Interval()))))
		}
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		times = append(times, clock.Now())
	}
	return times
}

// maxInWindow returns the most sends in any half-open window [a, a+width).
// The busiest window starts at a send, so only those are tried.
func maxInWindow(times []time.Time, width time.Duration) int {
	sorted := slices.Clone(times)
	slices.SortFunc(sorted, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i, start := range sorted {
		// The window's end only moves forward as its start does.
		for j < len(sorted) && sorted[j].Before(start.Add(width)) {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

var windows = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, time.Minute}

// TestPacerNeverExceedsItsRate: one instance's sends are at least 1/rate
// apart, so no window of T seconds holds more than ceil(rate*T) of them,
// idle gaps or not.
func TestPacerNeverExceedsItsRate(t *testing.T) {
	for _, rate := range []float64{0.5, 1, 7, 14.0 / 3, 50} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			p, clock := newFakePacer(t, rate)
			times := sendTimes(t, p, clock, 200, rand.New(rand.NewPCG(1, uint64(rate*100))))
			for i := 1; i < len(times); i++ {
				if gap := times[i].Sub(times[i-1]); gap < p.Interval() {
					t.Fatalf("sends %d and %d are %v apart, less than %v", i-1, i, gap, p.Interval())
				}
			}
			for _, w := range windows {
				limit := int(math.Ceil(rate * w.Seconds()))
				if got := maxInWindow(times, w); got > limit {
					t.Errorf("%d sends in a window of %v at %v a second, want at most %d", got, w, rate, limit)
				}
			}
		})
	}
}

// TestInstancesTogetherStayUnderTheAccountRate runs concurrency instances,
// each with its own Pacer at PerInstanceRate, all starting at the same
// instant (the worst case: every bucket full at once), and holds their merged
// sends to the account rate: in any window of T seconds at most rate*T plus
// one send per instance, the burst of one that each idle bucket holds. Sending
// flat out, together they use the whole rate.
func TestInstancesTogetherStayUnderTheAccountRate(t *testing.T) {
	for _, tc := range []struct {
		rate        float64
		concurrency int
	}{{1, 2}, {14, 2}, {14, 3}, {50, 2}, {200, 5}} {
		t.Run(fmt.Sprintf("rate %v, %d instances", tc.rate, tc.concurrency), func(t *testing.T) {
			each, err := mail.PerInstanceRate(tc.rate, tc.concurrency)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(2, uint64(tc.rate)))
			var all []time.Time
			for range tc.concurrency {
				p, clock := newFakePacer(t, each)
				all = append(all, sendTimes(t, p, clock, 300, rng)...)
			}
			for _, w := range windows {
				limit := int(tc.rate*w.Seconds()) + tc.concurrency
				if got := maxInWindow(all, w); got > limit {
					t.Errorf("%d sends in a window of %v, want at most %d", got, w, limit)
				}
			}

			// Flat out for a minute, the instances use the account rate.
			var flat []time.Time
			for range tc.concurrency {
				p, clock := newFakePacer(t, each)
				for clock.Now().Before(t0.Add(time.Minute)) {
					if err := p.Wait(context.Background()); err != nil {
						t.Fatal(err)
					}
					if clock.Now().Before(t0.Add(time.Minute)) {
						flat = append(flat, clock.Now())
					}
				}
			}
			if want := int(tc.rate * 60); len(flat) < want-tc.concurrency || len(flat) > want+tc.concurrency {
				t.Errorf("flat out: %d sends in a minute, want %d (± %d)", len(flat), want, tc.concurrency)
			}
		})
	}
}

// TestPacerHandsOutDistinctTurnsConcurrently: callers that wait at the same
// instant get turns exactly one interval apart.
func TestPacerHandsOutDistinctTurnsConcurrently(t *testing.T) {
	var mu sync.Mutex
	var turns []time.Time
	clock := &fakeClock{t: t0, frozen: true}
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		turns = append(turns, t0.Add(d))
		mu.Unlock()
		return nil
	}
	p, err := mail.NewPacerWithClock(10, clock.Now, sleep)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := p.Wait(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// The first caller goes at once, without sleeping.
	turns = append(turns, t0)
	slices.SortFunc(turns, func(a, b time.Time) int { return a.Compare(b) })
	for i, turn := range turns {
		if want := t0.Add(time.Duration(i) * p.Interval()); !turn.Equal(want) {
			t.Fatalf("turn %d at %v, want %v", i, turn.Sub(t0), want.Sub(t0))
		}
	}
}

// TestPacerDeadline: a caller whose deadline comes before its turn is refused
// at once and books nothing; a caller whose wait is cut short gives its turn
// back.
func TestPacerDeadline(t *testing.T) {
	// The context's deadline is real time; the clock starts an hour ahead so
	// that the context has not ended when the fake clock is compared with it.
	start := time.Now().Add(time.Hour)
	clock := &fakeClock{t: start}
	var sleepErr error
	sleep := func(ctx context.Context, d time.Duration) error {
		if sleepErr != nil {
			return sleepErr
		}
		return clock.Sleep(ctx, d)
	}
	p, err := mail.NewPacerWithClock(2, clock.Now, sleep) // a turn every 500ms
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(context.Background()); err != nil || !clock.Now().Equal(start) {
		t.Fatalf("first Wait: %v at %v", err, clock.Now().Sub(start))
	}
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(200*time.Millisecond))
	defer cancel()
	if err := p.Wait(ctx); !errors.Is(err, mail.ErrRateDeadline) {
		t.Fatalf("Wait past the deadline = %v, want ErrRateDeadline", err)
	}
	sleepErr = context.Canceled
	if err := p.Wait(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cut-short Wait = %v", err)
	}
	sleepErr = nil
	if err := p.Wait(context.Background()); err != nil || !clock.Now().Equal(start.Add(500*time.Millisecond)) {
		t.Fatalf("next Wait: %v at %v, want the turn at 500ms that the others did not use", err, clock.Now().Sub(start))
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if err := p.Wait(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on an ended context = %v", err)
	}
}

func TestPerInstanceRate(t *testing.T) {
	tests := []struct {
		rate        float64
		concurrency int
		want        float64
		ok          bool
	}{
		{14, 2, 7, true}, {1, 2, 0.5, true}, {50, 1, 50, true}, {0, 2, 0, false}, {-1, 2, 0, false},
		{math.NaN(), 2, 0, false}, {math.Inf(1), 2, 0, false}, {14, 0, 0, false},
	}
	for _, tt := range tests {
		got, err := mail.PerInstanceRate(tt.rate, tt.concurrency)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("PerInstanceRate(%v, %d) = %v, %v; want %v, ok %v", tt.rate, tt.concurrency, got, err, tt.want, tt.ok)
		}
	}
	if _, err := mail.NewPacer(0); err == nil {
		t.Error("NewPacer(0) succeeded")
	}
	if p, err := mail.NewPacer(4); err != nil || p.Interval() != 250*time.Millisecond {
		t.Errorf("NewPacer(4) = %v, %v", p, err)
	}
}

// TestDeliverKeepsTheRate runs Deliver through a Pacer on a fake clock and
// checks the instants the sender was called at.
func TestDeliverKeepsTheRate(t *testing.T) {
	p, clock := newFakePacer(t, 5)
	claims, _, _ := memClaims()
	var at []time.Time
	sender := &fakeSender{send: func(context.Context, string, string, mail.Rendered) error {
		at = append(at, clock.Now())
		return nil
	}}
	d := mail.NewDispatcher(claims, sender, p, from, slog.New(slog.DiscardHandler))
	for i := range 20 {
		if err := d.Deliver(context.Background(), invitation(fmt.Sprint("e", i))); err != nil {
			t.Fatal(err)
		}
	}
	if len(at) != 20 {
		t.Fatalf("%d sends, want 20", len(at))
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 200*time.Millisecond {
			t.Fatalf("sends %d and %d are %v apart, want at least 200ms at 5 a second", i-1, i, gap)
		}
	}
	if got := maxInWindow(at, time.Second); got > 5 {
		t.Fatalf("%d sends in one second, want at most 5", got)
	}
}
