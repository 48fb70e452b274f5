package mail_test

import (
	"context"
	"maps"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// fakeClaims is a Claims of function fields.
type fakeClaims struct {
	claim   func(ctx context.Context, emailID string) (bool, error)
	release func(ctx context.Context, emailID string) error
}

var _ mail.Claims = (*fakeClaims)(nil)

func (f *fakeClaims) Claim(ctx context.Context, id string) (bool, error) { return f.claim(ctx, id) }
func (f *fakeClaims) Release(ctx context.Context, id string) error       { return f.release(ctx, id) }

// memClaims returns a fakeClaims over a map, and the map's lock for reading it.
func memClaims() (*fakeClaims, map[string]bool, *sync.Mutex) {
	var mu sync.Mutex
	held := map[string]bool{}
	return &fakeClaims{
		claim: func(_ context.Context, id string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if held[id] {
				return false, nil
			}
			held[id] = true
			return true, nil
		},
		release: func(_ context.Context, id string) error {
			mu.Lock()
			defer mu.Unlock()
			delete(held, id)
			return nil
		},
	}, held, &mu
}

// fakeSender is a Sender of one function field.
type fakeSender struct {
	send func(ctx context.Context, from, to string, r mail.Rendered) error
}

var _ mail.Sender = (*fakeSender)(nil)

func (f *fakeSender) Send(ctx context.Context, from, to string, r mail.Rendered) error {
	return f.send(ctx, from, to, r)
}

// fakeLimiter is a Limiter of one function field.
type fakeLimiter struct {
	wait func(ctx context.Context) error
}

var _ mail.Limiter = (*fakeLimiter)(nil)

func (f *fakeLimiter) Wait(ctx context.Context) error { return f.wait(ctx) }

// noLimit lets every send through at once.
var noLimit = &fakeLimiter{wait: func(context.Context) error { return nil }}

// fakeClock is a clock for Pacer: Sleep advances Now by the time slept,
// instantly. With frozen set, Sleep records nothing and leaves Now alone, so
// that concurrent callers all book their turns from one instant.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	frozen bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen {
		c.t = c.t.Add(d)
	}
	return nil
}

// Advance moves the clock forward by d (time passing with no sends).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeReach is a Reach of one function field.
type fakeReach struct {
	reachability func(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error)
}

var _ mail.Reach = (*fakeReach)(nil)

func (f *fakeReach) Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error) {
	return f.reachability(ctx, orgID, emailKeys)
}

// fakeOutcomes is an Outcomes of one function field.
type fakeOutcomes struct {
	countOutcome func(ctx context.Context, campaign string, o mail.Outcome) error
}

var _ mail.Outcomes = (*fakeOutcomes)(nil)

func (f *fakeOutcomes) CountOutcome(ctx context.Context, campaign string, o mail.Outcome) error {
	return f.countOutcome(ctx, campaign, o)
}

// memOutcomes returns a fakeOutcomes that counts in a map by campaign and
// outcome ("message/org_1/msg_1 sent"), from any goroutine.
func memOutcomes() (*fakeOutcomes, func() map[string]int) {
	var mu sync.Mutex
	counts := map[string]int{}
	return &fakeOutcomes{countOutcome: func(_ context.Context, campaign string, o mail.Outcome) error {
			mu.Lock()
			defer mu.Unlock()
			counts[campaign+" "+string(o)]++
			return nil
		}}, func() map[string]int {
			mu.Lock()
			defer mu.Unlock()
			return maps.Clone(counts)
		}
}

// withMsg returns m changed by change.
func withMsg(m mail.Message, change func(*mail.Message)) mail.Message {
	change(&m)
	return m
}
