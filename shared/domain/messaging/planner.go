package messaging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// PlanKind is the kind of the plan queue's items.
const PlanKind = "plan-message"

// PlanItem is a chunk of a message's planning on the plan queue: the
// message, where in its audience the chunk starts (the index of a segment
// and the cursor of a page in it), and where the chunk that queued it
// started.
type PlanItem struct {
	Kind      string `json:"kind"`
	OrgID     string `json:"orgId"`
	MessageID string `json:"messageId"`
	Segment   int    `json:"segment,omitempty"`
	Cursor    string `json:"cursor,omitempty"`
	After     string `json:"after,omitempty"`
	// Actor is who sent the message, for the record of its outcome.
	Actor *audit.Actor `json:"actor,omitempty"`
}

// position names where a chunk starts; "" is the start of the audience.
func position(segment int, cursor string) string {
	if segment == 0 && cursor == "" {
		return ""
	}
	return strconv.Itoa(segment) + "|" + cursor
}

// Delivery is the record of one recipient of a message, written once (the
// first write wins): it is what keeps a learner who is in several of the
// audience's programs, or in a page planned twice, to one email.
type Delivery struct {
	Campaign  string
	EmailKey  string
	ProgramID string
	// Page names the page of the audience that planned the recipient, so
	// that a redelivered plan item knows its own recipients from those of
	// another page.
	Page string
	// Outcome is what the planner decided: queued, capped, suppressed or
	// unsubscribed.
	Outcome string
	At      time.Time
}

// PlanStore is the storage the planner needs. Methods return ENOTFOUND for
// a missing entity.
type PlanStore interface {
	GetMessage(ctx context.Context, orgID, messageID string) (Message, error)
	// MarkSent records that every recipient of a message being sent is
	// planned; it does nothing to a message that is not being sent.
	MarkSent(ctx context.Context, orgID, messageID string, at time.Time) error
	// AdvancePlan moves the frontier of a message being sent (Message.
	// Frontier) from one position to another, on condition that it is at
	// from; it reports whether it moved.
	AdvancePlan(ctx context.Context, orgID, messageID, from, to string) (bool, error)
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
	MessagingSettings(ctx context.Context, orgID string) (Settings, error)
	audienceStore
	// Reachability returns why the addresses that may not get the org's
	// bulk mail may not (suppressed, unsubscribed).
	Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error)
	// CapStates returns the learners' cap records in the org, by email
	// key (absent for a learner with none).
	CapStates(ctx context.Context, orgID string, emailKeys []string) (map[string]CapState, error)
	// PutCap writes a learner's cap record, on condition that it is still
	// at st.Version (0: that there is none); ECONFLICT otherwise.
	PutCap(ctx context.Context, orgID, emailKey string, st CapState, at time.Time) error
	// PutDelivery writes the delivery record unless the campaign has one
	// for the address; it returns the record that stands and whether this
	// call wrote it.
	PutDelivery(ctx context.Context, d Delivery) (Delivery, bool, error)
	// CountPage adds the page's counts to the campaign's counters, once
	// per page however often it is called.
	CountPage(ctx context.Context, campaign, page string, counts map[string]int) error
}

// Outbox puts emails on the mail queue (queue.Publisher).
type Outbox interface {
	Publish(ctx context.Context, msgs []mail.Message) error
}

// PlanConfig tunes the planner; the zero value takes the defaults.
type PlanConfig struct {
	// LearnerAppURL is the base of program URLs ({{programUrl}}).
	LearnerAppURL string
	// ItemRecipients is how many recipients one plan item plans before it
	// hands the rest to a continuation item (default 2,000).
	ItemRecipients int
	// Reserve is the time before the invocation's deadline at which a plan
	// item stops starting pages and continues in a new item (default 20 s).
	Reserve time.Duration
	// Workers is how many recipients of a page are planned at once
	// (default 16): each takes a cap write and a delivery write.
	Workers int
	// PageSize is how many learners a page of the audience holds (default
	// 250).
	PageSize int
}

// Planner fans a message out to the mail queue, a plan item at a time.
type Planner struct {
	store  PlanStore
	outbox Outbox
	plans  PlanQueue
	links  Links
	cfg    PlanConfig
	// Now is the clock; Log receives the planner's progress.
	Now func() time.Time
	Log *slog.Logger
}

// NewPlanner returns a Planner that puts emails in outbox and continuation
// items in plans, with unsubscribe links from links.
func NewPlanner(store PlanStore, outbox Outbox, plans PlanQueue, links Links, cfg PlanConfig) *Planner {
	cfg.LearnerAppURL = strings.TrimRight(cfg.LearnerAppURL, "/")
	if cfg.ItemRecipients <= 0 {
		cfg.ItemRecipients = 2_000
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = 20 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = pageSize
	}
	return &Planner{store: store, outbox: outbox, plans: plans, links: links, cfg: cfg,
		Now: func() time.Time { return time.Now().UTC() }, Log: slog.Default()}
}

// Handle plans the chunk of a plan item given as the JSON the plan queue
// carries. It has the signature of the function queue.BatchHandler calls
// for each record; a body that is not a plan item is an error, so that its
// record ends in the dead-letter queue.
func (p *Planner) Handle(ctx context.Context, body string) error {
	var item PlanItem
	if err := json.Unmarshal([]byte(body), &item); err != nil || item.Kind != PlanKind || item.OrgID == "" || item.MessageID == "" {
		return fmt.Errorf("plan item %.200q is not a message's plan", body)
	}
	return p.Plan(ctx, item)
}

// Plan plans a chunk of a message's audience, page after page from the
// item's place: each recipient is checked against the suppression list,
// the org's opt-outs and the per-learner cap, gets one delivery record,
// and, when it may be sent, an email on the mail queue (in batches of 10);
// each page's counts are added once. After ItemRecipients recipients, or
// when the deadline nears, it puts a continuation item on the plan queue
// and returns; after the last page it marks the message sent.
//
// A plan item delivered twice, or two items that overlap, plan nothing
// twice: a recipient's delivery record is written once, the emails of a
// page that planned it already are queued again under the same mail id
// (which the mailer sends once), and a page's counts are added once.
//
// Nor does planning fork: the message holds its frontier, the position of
// the chunk to plan next. A chunk queues its continuation first and then
// moves the frontier to it (so that a crash in between only makes the
// chunk's redelivery plan it again); an item runs when it is at the
// frontier, or right after it (its predecessor has not moved it yet: the
// item moves it itself), and is dropped otherwise, as a stale duplicate.
// An item of a message that is not being sent does nothing. It returns
// the storage and queue errors, after which the item comes back whole.
func (p *Planner) Plan(ctx context.Context, item PlanItem) error {
	m, err := p.store.GetMessage(ctx, item.OrgID, item.MessageID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		p.Log.WarnContext(ctx, "plan item of an unknown message dropped", slog.String("messageId", item.MessageID))
		return nil
	} else if err != nil {
		return err
	}
	if m.Status != StatusSending {
		return nil // planned by an earlier delivery
	}
	pos := position(item.Segment, item.Cursor)
	switch m.Frontier {
	case pos:
	case item.After:
		moved, err := p.store.AdvancePlan(ctx, m.OrgID, m.ID, item.After, pos)
		if err != nil {
			return err
		}
		if !moved {
			return nil // another copy of this item, or of its predecessor's, moved it
		}
	default:
		p.Log.InfoContext(ctx, "stale plan item dropped", slog.String("messageId", m.ID), slog.String("position", pos))
		return nil
	}
	r, err := p.newRun(ctx, m)
	if err != nil {
		return err
	}
	segs := segmentsOf(m, m.Targets)
	seg, cursor := item.Segment, item.Cursor
	planned := 0
	for seg < len(segs) {
		if planned > 0 && (planned >= p.cfg.ItemRecipients || p.nearDeadline(ctx)) {
			next := PlanItem{Kind: PlanKind, OrgID: m.OrgID, MessageID: m.ID, Segment: seg, Cursor: cursor, After: pos, Actor: item.Actor}
			if err := p.plans.Send(ctx, next); err != nil {
				return fmt.Errorf("queue the rest of message %s: %w", m.ID, err)
			}
			if _, err := p.store.AdvancePlan(ctx, m.OrgID, m.ID, pos, position(seg, cursor)); err != nil {
				return err
			}
			p.Log.InfoContext(ctx, "message planned in part", slog.String("messageId", m.ID), slog.Int("recipients", planned), slog.Int("segment", seg))
			return nil
		}
		learners, next, err := r.audience.page(ctx, segs[seg], cursor)
		if err != nil {
			return err
		}
		if err := r.plan(ctx, segs[seg].program, pageID(seg, cursor), learners); err != nil {
			return err
		}
		planned += len(learners)
		if next == "" {
			seg, cursor = seg+1, ""
		} else {
			cursor = next
		}
	}
	done := ctx
	if item.Actor != nil {
		done = audit.WithActor(ctx, *item.Actor)
	}
	done = audit.For(done, p.Now(), m.OrgID, messageProgram(m), audit.MessageSendFinished,
		audit.Target{Type: audit.TargetMessage, ID: m.ID}, audit.Set("status", string(StatusSent), "planned", strconv.Itoa(planned)))
	if err := p.store.MarkSent(done, m.OrgID, m.ID, p.Now()); err != nil {
		return err
	}
	p.Log.InfoContext(ctx, "message planned", slog.String("messageId", m.ID), slog.Int("recipients", planned))
	return nil
}

// nearDeadline reports whether the invocation ends within the reserve, on
// the planner's clock.
func (p *Planner) nearDeadline(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ok && deadline.Sub(p.Now()) < p.cfg.Reserve
}

// pageID names a page of the audience by its segment and its cursor.
func pageID(seg int, cursor string) string {
	sum := sha256.Sum256([]byte(cursor))
	return strconv.Itoa(seg) + "." + hex.EncodeToString(sum[:8])
}

// run is the planning of one plan item: the message ready to write, the
// org's cap and the programs met so far.
type run struct {
	*Planner
	m        Message
	audience reader
	c        compiled
	settings Settings
	programs map[string]programEmail
}

func (p *Planner) newRun(ctx context.Context, m Message) (*run, error) {
	org, err := p.store.GetOrg(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	settings, err := p.store.MessagingSettings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	now := p.Now()
	if m.SendingAt != nil {
		now = *m.SendingAt // every chunk sees the audience as it was when sent
	}
	return &run{Planner: p, m: m, audience: reader{store: p.store, m: m, now: now, size: p.cfg.PageSize},
		c: compileMessage(m, org), settings: settings, programs: map[string]programEmail{}}, nil
}

// program returns the message ready for the program's recipients,
// reading the program once a run.
func (r *run) program(ctx context.Context, id string) (programEmail, error) {
	if p, ok := r.programs[id]; ok {
		return p, nil
	}
	p, err := r.store.GetProgram(ctx, r.m.OrgID, id)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		p = bo.Program{ID: id} // deleted since: its learners are gone too
	} else if err != nil {
		return programEmail{}, err
	}
	r.programs[id] = r.c.forProgram(programOf(p, r.cfg.LearnerAppURL))
	return r.programs[id], nil
}

// The outcomes of planning one recipient.
const (
	outcomeQueued       = countQueued
	outcomeCapped       = countCapped
	outcomeSuppressed   = string(mail.OutcomeSuppressed)
	outcomeUnsubscribed = string(mail.OutcomeUnsubscribed)
)

// capAttempts bounds the retries of a cap write that lost a race.
const capAttempts = 5

// plan plans one page of learners of a program (see Plan).
func (r *run) plan(ctx context.Context, programID, page string, learners []bo.Learner) error {
	if len(learners) == 0 {
		return nil
	}
	prog, err := r.program(ctx, programID)
	if err != nil {
		return err
	}
	keys := make([]string, len(learners))
	for i, l := range learners {
		keys[i] = l.EmailKey
	}
	reach, err := r.store.Reachability(ctx, r.m.OrgID, keys)
	if err != nil {
		return err
	}
	reachable := make([]string, 0, len(keys))
	for _, k := range keys {
		if reach[k] == bo.Reachable {
			reachable = append(reachable, k)
		}
	}
	caps, err := r.store.CapStates(ctx, r.m.OrgID, reachable)
	if err != nil {
		return err
	}
	now := r.Now()
	outcomes := make([]string, len(learners)) // "" for a learner planned by another page
	err = forEach(ctx, len(learners), r.cfg.Workers, func(ctx context.Context, i int) error {
		l := learners[i]
		var outcome string
		switch reach[l.EmailKey] {
		case bo.Suppressed:
			outcome = outcomeSuppressed
		case bo.Unsubscribed:
			outcome = outcomeUnsubscribed
		default:
			var err error
			if outcome, err = r.admit(ctx, l.EmailKey, caps[l.EmailKey], now); err != nil {
				return err
			}
		}
		d, _, err := r.store.PutDelivery(ctx, Delivery{Campaign: r.c.campaign, EmailKey: l.EmailKey, ProgramID: programID,
			Page: page, Outcome: outcome, At: now})
		if err != nil {
			return err
		}
		if d.Page == page {
			outcomes[i] = d.Outcome // planned here, now or by an earlier delivery of the page
		}
		return nil
	})
	if err != nil {
		return err
	}
	counts := map[string]int{}
	emails := make([]mail.Message, 0, len(learners))
	for i, o := range outcomes {
		if o == "" {
			continue
		}
		counts[countPlanned]++
		counts[o]++
		if o == outcomeQueued {
			emails = append(emails, prog.email(learners[i], r.links.URL(r.m.OrgID, learners[i].EmailKey)))
		}
	}
	if err := r.outbox.Publish(ctx, emails); err != nil {
		return err
	}
	if len(counts) == 0 {
		return nil
	}
	return r.store.CountPage(ctx, r.c.campaign, page, counts)
}

// admit applies the org's cap to one reachable learner (see admitCap).
// It returns queued or capped, or the store's error.
func (r *run) admit(ctx context.Context, emailKey string, st CapState, now time.Time) (string, error) {
	ok, err := admitCap(ctx, r.store, r.settings, r.m.OrgID, emailKey, r.m.ID, st, now)
	if err != nil || !ok {
		return outcomeCapped, err
	}
	return outcomeQueued, nil
}

// capStore is what applying the cap reads and writes.
type capStore interface {
	CapStates(ctx context.Context, orgID string, emailKeys []string) (map[string]CapState, error)
	PutCap(ctx context.Context, orgID, emailKey string, st CapState, at time.Time) error
}

// admitCap applies the org's cap to the message messageID for one
// learner, whose cap record was read as st (see Settings.admit), writing
// the record when the message takes a place; a write that loses a race
// with another message reads the record again. It reports whether the
// message may go, or returns the store's error.
func admitCap(ctx context.Context, store capStore, settings Settings, orgID, emailKey, messageID string, st CapState, now time.Time) (bool, error) {
	for range capAttempts {
		ok, next, write := settings.admit(st, messageID, now)
		if !ok || !write {
			return ok, nil
		}
		err := store.PutCap(ctx, orgID, emailKey, next, now)
		if err == nil {
			return true, nil
		}
		if bo.ErrorCode(err) != bo.ECONFLICT {
			return false, err
		}
		states, err := store.CapStates(ctx, orgID, []string{emailKey})
		if err != nil {
			return false, err
		}
		st = states[emailKey]
	}
	return false, fmt.Errorf("cap of %s in org %s: changed by others %d times in a row", emailKey, orgID, capAttempts)
}

// forEach calls fn for 0..n-1 on up to workers goroutines. It returns the
// first error, after which no new call starts, or ctx's error when ctx
// ended before every call was made.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		once       sync.Once
		first      error
		wg         sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if first == nil && int(done.Load()) < n {
		return ctx.Err()
	}
	return first
}
