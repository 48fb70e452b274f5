package mail

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrRateDeadline is returned by Pacer.Wait when the caller's deadline comes
// before the caller's turn to send.
var ErrRateDeadline = errors.New("the send rate leaves no turn before the deadline")

// PerInstanceRate returns the send rate, in emails a second, that each of
// concurrency mailer instances may use so that together they never exceed
// accountRate: accountRate / concurrency. concurrency is the event source
// mapping's maximum concurrency, the most instances that run at once. It
// returns an error when accountRate is not positive or concurrency is below 1.
func PerInstanceRate(accountRate float64, concurrency int) (float64, error) {
	if !(accountRate > 0) || math.IsInf(accountRate, 0) {
		return 0, fmt.Errorf("send rate %v: must be a positive number of emails a second", accountRate)
	}
	if concurrency < 1 {
		return 0, fmt.Errorf("concurrency %d: must be at least 1", concurrency)
	}
	return accountRate / float64(concurrency), nil
}

// Pacer is a Limiter that spaces sends evenly: the starts of two sends are at
// least 1/rate seconds apart, however many goroutines call Wait. It is a
// token bucket that holds one token, so an idle Pacer lets exactly one send
// through at once and never a burst. Over any interval of T seconds it lets
// through at most rate*T + 1 sends.
type Pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // when the next send may start
}

var _ Limiter = (*Pacer)(nil)

// NewPacer returns a Pacer at perSecond sends a second on the real clock. It
// returns an error when perSecond is not positive.
func NewPacer(perSecond float64) (*Pacer, error) {
	return NewPacerWithClock(perSecond, time.Now, sleepContext)
}

// NewPacerWithClock returns a Pacer on the clock of now and sleep; tests pass
// a fake clock whose sleep advances now. sleep must return early with ctx's
// error when ctx ends. It returns an error when perSecond is not positive.
func NewPacerWithClock(perSecond float64, now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) (*Pacer, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, fmt.Errorf("pacer: rate %v must be a positive number of sends a second", perSecond)
	}
	interval := time.Duration(math.Ceil(float64(time.Second) / perSecond))
	return &Pacer{interval: interval, now: now, sleep: sleep}, nil
}

// Interval returns the least time between the starts of two sends.
func (p *Pacer) Interval() time.Duration { return p.interval }

// reserve books the next turn unless it falls after deadline (when deadline
// is not zero); it returns the turn, never earlier than now, and whether it
// was booked.
func (p *Pacer) reserve(deadline time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	if !deadline.IsZero() && at.After(deadline) {
		return at, false
	}
	p.next = at.Add(p.interval)
	return at, true
}

// Wait returns at the caller's turn to send. It returns ctx's error when ctx
// ends first (the turn is then given back when no later one was booked), and
// ErrRateDeadline at once, booking nothing, when ctx's deadline comes before
// the turn.
func (p *Pacer) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	at, ok := p.reserve(deadline)
	if !ok {
		return ErrRateDeadline
	}
	delay := at.Sub(p.now())
	if delay <= 0 {
		return nil
	}
	if err := p.sleep(ctx, delay); err != nil {
		p.mu.Lock()
		if p.next.Equal(at.Add(p.interval)) {
			p.next = at
		}
		p.mu.Unlock()
		return err
	}
	return nil
}

// sleepContext sleeps for d, or until ctx ends with ctx's error.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
