package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// Defaults of a Runner.
const (
	// DefaultPageSize is how many invitations one page of the index holds:
	// the run keeps one page in memory at a time.
	DefaultPageSize = 100
	// DefaultReserve is the time before the invocation's deadline at which a
	// run stops, saving where it is.
	DefaultReserve = 30 * time.Second
	// DefaultStaleClaim is how old a reminder claimed by another run and not
	// yet queued must be before this run queues it: the Lambda maximum
	// timeout, after which that run cannot still be running.
	DefaultStaleClaim = 15 * time.Minute
	// claimConcurrency bounds the claims (and the records of queueing) of
	// one page in flight.
	claimConcurrency = 8
	// programPageSize is how many programs one page of the program index holds.
	programPageSize = 25
)

// ErrStopped is the error of a run that stopped before the invocation's
// deadline: its position is saved, and the next run of the same Saturday
// (Lambda's retry of the invocation) carries on from there.
var ErrStopped = errors.New("reminders: stopped before the deadline; the next run of the Saturday resumes where this one stopped")

// Program is a program as the run sees it.
type Program struct {
	OrgID   string
	ID      string
	Name    string
	Tagline string
	Slug    string
	// Off is true when an org admin switched the reminder off.
	Off bool
	// Deleting is true while the program is being deleted.
	Deleting bool
	// Key is the program's position in the index of every program.
	Key string
}

// Invitation is a pending invitation read from the index of a program's
// invitations by date, with its position there.
type Invitation struct {
	bo.Learner
	Key string
}

// Position is where a run of a Saturday stands: the program shard, the last
// program done in it, and within the program in progress the stream (the
// window times the learner shards plus the learner shard) and the last
// invitation done in it.
type Position struct {
	ProgramShard int
	ProgramAfter string
	Program      string
	Stream       int
	After        string
}

// Run is the record of the runs of one Saturday: where they stand and
// whether they are done.
type Run struct {
	Saturday   time.Time
	RunID      string
	Position   Position
	Done       bool
	StartedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time
}

// ReminderKey identifies one reminder: the n-th of the invitation of the
// email to the program sent at Sent.
type ReminderKey struct {
	ProgramID string
	EmailKey  string
	Sent      time.Time
	N         int
}

// Reminder is the record of one reminder, written once: the outcome planned
// (OutcomeQueued, or the reach that held it back), by which run, and when
// its email went on the mail queue.
type Reminder struct {
	ReminderKey
	OrgID     string
	Saturday  time.Time
	Campaign  string
	Outcome   string
	RunID     string
	ClaimedAt time.Time
	QueuedAt  *time.Time
}

// OutcomeQueued is the outcome of a reminder whose email is queued; the
// others are the reaches that hold one back (bo.Suppressed, bo.Unsubscribed).
const OutcomeQueued = bo.CounterQueued

// counterPlanned counts every reminder planned for a campaign.
const counterPlanned = bo.CounterPlanned

// Store is the storage the run needs.
type Store interface {
	// ReminderPrograms returns a page of the programs of every org in the
	// program shard, after the key.
	ReminderPrograms(ctx context.Context, shard int, after string, limit int) ([]Program, error)
	// PendingInvitations returns a page of the program's pending
	// invitations in the learner shard sent within the window, in order of
	// sending, after the key; next is "" after the last page.
	PendingInvitations(ctx context.Context, programID string, shard int, w Window, after string, limit int) (page []Invitation, next string, err error)
	// Reachability returns why the addresses that may not get the org's
	// mail may not.
	Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error)
	// ClaimReminder writes the reminder's record, under the condition that
	// none exists and that the invitation (invitationId) is still pending,
	// and counts the outcome (and one planned) on its campaign, all or
	// nothing. It returns (nil, nil) when it wrote it, the existing record
	// when there was one, and ENOTFOUND when the invitation is no longer
	// pending.
	ClaimReminder(ctx context.Context, r Reminder, invitationID string) (*Reminder, error)
	// TakeOverReminder makes the run the owner of a reminder claimed by
	// another and not yet queued; false when it changed in between.
	TakeOverReminder(ctx context.Context, k ReminderKey, from, to string, at time.Time) (bool, error)
	// MarkReminderQueued records that the reminder's email is on the queue.
	MarkReminderQueued(ctx context.Context, k ReminderKey, at time.Time) error
	// GetReminderRun returns the run record of the Saturday, or ENOTFOUND.
	GetReminderRun(ctx context.Context, saturday time.Time) (Run, error)
	// SaveReminderRun writes the run record; ECONFLICT when the Saturday's
	// run is done already.
	SaveReminderRun(ctx context.Context, r Run) error
	// MarkRemindersRun records on the program that the reminders of the
	// Saturday ran for it (unless a later Saturday's did).
	MarkRemindersRun(ctx context.Context, orgID, programID string, saturday time.Time) error
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
}

// Outbox puts emails on the mail queue.
type Outbox interface {
	Publish(ctx context.Context, msgs []mail.Message) error
}

// Unsubscriber makes the signed unsubscribe link of an address for an org.
type Unsubscriber interface {
	URL(orgID, emailKey string) string
}

// Config is the deployment's configuration of the run.
type Config struct {
	// LearnerAppURL is the base of program links: LearnerAppURL +
	// "/programs/" + slug is where a signed-in invitee joins.
	LearnerAppURL string
	// ProgramShards and LearnerShards are the shard counts of the program
	// index and of a program's learners (the store's).
	ProgramShards int
	LearnerShards int
}

// Runner sends the reminders of a Saturday.
type Runner struct {
	store  Store
	outbox Outbox
	links  Unsubscriber
	cfg    Config
	// PageSize, Reserve and StaleClaim default to DefaultPageSize,
	// DefaultReserve and DefaultStaleClaim.
	PageSize   int
	Reserve    time.Duration
	StaleClaim time.Duration
	// Now is the clock of deadlines and claims (never of "today", which is
	// the Saturday a run is given); tests replace it.
	Now func() time.Time
	Log *slog.Logger
}

// NewRunner returns a Runner.
func NewRunner(store Store, outbox Outbox, links Unsubscriber, cfg Config, logger *slog.Logger) *Runner {
	cfg.LearnerAppURL = strings.TrimRight(cfg.LearnerAppURL, "/")
	return &Runner{store: store, outbox: outbox, links: links, cfg: cfg, PageSize: DefaultPageSize, Reserve: DefaultReserve,
		StaleClaim: DefaultStaleClaim, Now: func() time.Time { return time.Now().UTC() }, Log: logger}
}

// Report is what one run did.
type Report struct {
	Saturday string `json:"saturday"`
	// AlreadyDone is true when an earlier run of the Saturday had finished.
	AlreadyDone bool `json:"alreadyDone"`
	Done        bool `json:"done"`
	Programs    int  `json:"programs"`
	// ProgramsOff counts programs skipped: switched off or being deleted.
	ProgramsOff int `json:"programsOff"`
	// Queued, Suppressed and Unsubscribed count the reminders this run
	// planned first; Requeued those it queued for a run that had claimed
	// them and stopped (itself before a retry); Seen those another run had
	// planned and settled; Left those another run claimed a moment ago and
	// has not queued yet (this run then leaves the Saturday not done, for
	// that run's retry to finish); NotPending the invitations accepted or
	// withdrawn since the index was read.
	Queued       int `json:"queued"`
	Suppressed   int `json:"suppressed"`
	Unsubscribed int `json:"unsubscribed"`
	Requeued     int `json:"requeued"`
	Seen         int `json:"seen"`
	Left         int `json:"left"`
	NotPending   int `json:"notPending"`
}

// run is one run in progress.
type run struct {
	*Runner
	rec      Run
	windows  []Window
	report   Report
	orgID    string
	org      bo.Org
	lastSave Position
	// rewind is the position of the first page where this run met
	// reminders another run claimed a moment ago and has not queued yet:
	// the run does not mark the Saturday done past them, so that the
	// claimant's retry, resuming there, queues them.
	rewind *Position
}

// Run sends the reminders of the Saturday (midnight UTC) as the run runID:
// it goes through every program of every org, and in each, through the
// invitations of the two windows a page at a time, claiming each reminder
// once (see ClaimReminder) and queueing its email. It saves its position
// after every page and stops, returning ErrStopped, when the context's
// deadline is within Reserve; a later run of the Saturday (the same runID
// when Lambda retries the invocation) resumes there and queues the
// reminders this one claimed without queueing. A run of a Saturday whose
// run is done does nothing. It returns the store's and the outbox's errors
// too (its position kept).
func (r *Runner) Run(ctx context.Context, saturday time.Time, runID string) (Report, error) {
	saturday, err := SaturdayOf(saturday)
	if err != nil {
		return Report{}, err
	}
	x := &run{Runner: r, windows: Windows(saturday), report: Report{Saturday: saturday.Format(DateLayout)}}
	x.rec, err = r.store.GetReminderRun(ctx, saturday)
	switch {
	case bo.ErrorCode(err) == bo.ENOTFOUND:
		x.rec = Run{Saturday: saturday, StartedAt: r.Now()}
	case err != nil:
		return x.report, err
	case x.rec.Done:
		x.report.AlreadyDone, x.report.Done = true, true
		return x.report, nil
	}
	x.rec.RunID = runID
	x.lastSave = x.rec.Position
	err = x.programs(ctx)
	switch {
	case errors.Is(err, errFinishedElsewhere):
		x.report.Done = true
		return x.report, nil
	case err != nil:
		if x.resumeAt() == x.lastSave {
			return x.report, err
		}
		if serr := x.save(context.WithoutCancel(ctx)); serr != nil && !errors.Is(serr, errFinishedElsewhere) {
			r.Log.ErrorContext(ctx, "reminders: position not saved", slog.String("error", serr.Error()))
		}
		return x.report, err
	}
	if x.rewind != nil {
		// Not done: the run that claimed the reminders it left finishes it.
		if err := x.save(ctx); err != nil && !errors.Is(err, errFinishedElsewhere) {
			return x.report, err
		}
		r.Log.WarnContext(ctx, "reminders: left reminders to the run that claimed them", slog.Int("left", x.report.Left))
		return x.report, nil
	}
	now := r.Now()
	x.rec.Done, x.rec.FinishedAt = true, &now
	if err := x.save(ctx); err != nil && !errors.Is(err, errFinishedElsewhere) {
		return x.report, err
	}
	x.report.Done = true
	return x.report, nil
}

// errFinishedElsewhere is a save that found the Saturday's run done by
// another run.
var errFinishedElsewhere = errors.New("the Saturday's run was finished by another run")

// save writes the run record, with the position to resume at: the
// rewind position when there is one.
func (x *run) save(ctx context.Context) error {
	rec := x.rec
	if x.rewind != nil {
		rec.Position = *x.rewind
	}
	rec.UpdatedAt = x.Now()
	err := x.store.SaveReminderRun(ctx, rec)
	if bo.ErrorCode(err) == bo.ECONFLICT {
		return errFinishedElsewhere
	}
	if err == nil {
		x.lastSave = rec.Position
	}
	return err
}

// resumeAt is the position a save writes.
func (x *run) resumeAt() Position {
	if x.rewind != nil {
		return *x.rewind
	}
	return x.rec.Position
}

// checkpoint saves the position, and returns ErrStopped when the deadline
// is near.
func (x *run) checkpoint(ctx context.Context) error {
	if x.resumeAt() != x.lastSave {
		if err := x.save(ctx); err != nil {
			return err
		}
	}
	if deadline, ok := ctx.Deadline(); ok && !x.Now().Add(x.Reserve).Before(deadline) {
		return ErrStopped
	}
	return ctx.Err()
}

// programs goes through the program shards from the saved position.
func (x *run) programs(ctx context.Context) error {
	pos := &x.rec.Position
	for pos.ProgramShard < x.cfg.ProgramShards {
		if err := x.checkpoint(ctx); err != nil {
			return err
		}
		page, err := x.store.ReminderPrograms(ctx, pos.ProgramShard, pos.ProgramAfter, programPageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			*pos = Position{ProgramShard: pos.ProgramShard + 1}
			continue
		}
		for _, p := range page {
			if pos.Program != p.Key {
				pos.Program, pos.Stream, pos.After = p.Key, 0, ""
			}
			if err := x.program(ctx, p); err != nil {
				return err
			}
			pos.ProgramAfter, pos.Program, pos.Stream, pos.After = p.Key, "", 0, ""
		}
	}
	return nil
}

// program sends the reminders of one program: both windows, every learner
// shard, a page at a time.
func (x *run) program(ctx context.Context, p Program) error {
	if p.Off || p.Deleting {
		x.report.ProgramsOff++
		return nil
	}
	x.report.Programs++
	pos := &x.rec.Position
	streams := len(x.windows) * x.cfg.LearnerShards
	for pos.Stream < streams {
		if err := x.checkpoint(ctx); err != nil {
			return err
		}
		w, shard := x.windows[pos.Stream/x.cfg.LearnerShards], pos.Stream%x.cfg.LearnerShards
		page, next, err := x.store.PendingInvitations(ctx, p.ID, shard, w, pos.After, x.PageSize)
		if err != nil {
			return err
		}
		if err := x.remind(ctx, p, w.N, page); err != nil {
			return err
		}
		if next == "" {
			pos.Stream, pos.After = pos.Stream+1, ""
		} else {
			pos.After = next
		}
	}
	return x.store.MarkRemindersRun(ctx, p.OrgID, p.ID, x.rec.Saturday)
}

// due keeps the invitations of the page that get the n-th reminder: still
// pending, their invitation email sent (an admin who invited without one
// reaches the invitee some other way), sent within the window.
func (x *run) due(page []Invitation, n int) []Invitation {
	out := page[:0:0]
	for _, inv := range page {
		if inv.State == bo.StateInvited && inv.EmailQueuedAt != nil && inv.InvitedAt != nil &&
			ReminderOn(*inv.InvitedAt, x.rec.Saturday) == n {
			out = append(out, inv)
		}
	}
	return out
}

// claim is what became of one invitation's reminder.
type claim struct {
	send    bool
	outcome string // this run's first outcome, or "" when another run had planned it
	requeue bool
	pending bool
	// unsettled is a reminder another run claimed a moment ago and has not
	// queued yet.
	unsettled bool
	err       error
}

// remind claims the n-th reminder of each due invitation of the page and
// queues the emails of those this run must send.
func (x *run) remind(ctx context.Context, p Program, n int, page []Invitation) error {
	due := x.due(page, n)
	if len(due) == 0 {
		return nil
	}
	keys := make([]string, len(due))
	for i, inv := range due {
		keys[i] = inv.EmailKey
	}
	reach, err := x.store.Reachability(ctx, p.OrgID, keys)
	if err != nil {
		return err
	}
	if err := x.loadOrg(ctx, p.OrgID); err != nil {
		return err
	}
	results := make([]claim, len(due))
	if err := inParallel(len(due), func(i int) error {
		results[i] = x.claim(ctx, p, due[i], n, reach[due[i].EmailKey])
		return results[i].err
	}); err != nil {
		return err
	}
	var msgs []mail.Message
	var sent []ReminderKey
	for i, c := range results {
		if c.unsettled && x.rewind == nil {
			at := x.rec.Position
			x.rewind = &at
		}
		x.count(c)
		if c.send {
			msgs = append(msgs, x.message(p, due[i], n))
			sent = append(sent, x.key(p, due[i], n))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := x.outbox.Publish(ctx, msgs); err != nil {
		return fmt.Errorf("queue %d reminders of program %s: %w", len(msgs), p.ID, err)
	}
	now := x.Now()
	return inParallel(len(sent), func(i int) error { return x.store.MarkReminderQueued(ctx, sent[i], now) })
}

// inParallel calls fn for 0..n-1, claimConcurrency at a time, and returns
// the first error (after every call has returned).
func inParallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, claimConcurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (x *run) count(c claim) {
	switch {
	case !c.pending:
		x.report.NotPending++
	case c.requeue:
		x.report.Requeued++
	case c.unsettled:
		x.report.Left++
	case c.outcome == OutcomeQueued:
		x.report.Queued++
	case c.outcome == string(bo.Suppressed):
		x.report.Suppressed++
	case c.outcome == string(bo.Unsubscribed):
		x.report.Unsubscribed++
	default:
		x.report.Seen++
	}
}

func (x *run) key(p Program, inv Invitation, n int) ReminderKey {
	return ReminderKey{ProgramID: p.ID, EmailKey: inv.EmailKey, Sent: *inv.InvitedAt, N: n}
}

// claim plans one reminder: the first run to write its record counts it
// and sends it; a run that meets its own record (Lambda's retry of it) or
// a stale one of a run that stopped before queueing it sends it.
func (x *run) claim(ctx context.Context, p Program, inv Invitation, n int, reach bo.Reach) claim {
	outcome := OutcomeQueued
	if reach != bo.Reachable {
		outcome = string(reach)
	}
	now := x.Now()
	rec := Reminder{ReminderKey: x.key(p, inv, n), OrgID: p.OrgID, Saturday: x.rec.Saturday,
		Campaign: Campaign(p.OrgID, p.ID, x.rec.Saturday), Outcome: outcome, RunID: x.rec.RunID, ClaimedAt: now}
	prev, err := x.store.ClaimReminder(ctx, rec, inv.InvitationID)
	switch {
	case bo.ErrorCode(err) == bo.ENOTFOUND:
		return claim{}
	case err != nil:
		return claim{err: err, pending: true}
	case prev == nil:
		return claim{send: outcome == OutcomeQueued, outcome: outcome, pending: true}
	case prev.Outcome != OutcomeQueued || prev.QueuedAt != nil:
		return claim{pending: true}
	case prev.RunID == x.rec.RunID:
		return claim{send: true, requeue: true, pending: true}
	case now.Sub(prev.ClaimedAt) < x.StaleClaim:
		return claim{pending: true, unsettled: true} // the other run is queueing it, or its retry will
	}
	ok, err := x.store.TakeOverReminder(ctx, rec.ReminderKey, prev.RunID, x.rec.RunID, now)
	if err != nil {
		return claim{err: err, pending: true}
	}
	return claim{send: ok, requeue: ok, pending: true}
}

// loadOrg reads the org of the program (the index sorts programs by org, so
// one is kept).
func (x *run) loadOrg(ctx context.Context, orgID string) error {
	if x.orgID == orgID {
		return nil
	}
	org, err := x.store.GetOrg(ctx, orgID)
	if err != nil {
		return err
	}
	x.orgID, x.org = orgID, org
	return nil
}

// message is the reminder email of an invitation, in the org's brand
// colour and with its logo, with the invitation's message (its own or the org's). Its link is the program's
// page, where the invitee, signed in with the invited address, joins
// through the pending invitation: the invitation's own link cannot be made
// again (only its hash is stored), and a new one each Saturday would be
// one more bearer link for the same join.
func (x *run) message(p Program, inv Invitation, n int) mail.Message {
	return mail.Message{
		ID: MessageID(p.ID, inv.EmailKey, *inv.InvitedAt, n), To: inv.Email, Template: mail.TemplateInvitationReminder,
		OrgID: p.OrgID, Campaign: Campaign(p.OrgID, p.ID, x.rec.Saturday), UnsubscribeURL: x.links.URL(p.OrgID, inv.EmailKey),
		Logo: mail.OrgLogo(x.org),
		Data: map[string]string{
			"LearnerName": inv.FullName, "LearnerEmail": inv.Email, "OrgName": x.org.Name, "ProgramName": p.Name,
			"ProgramTagline": p.Tagline, "JoinURL": x.cfg.LearnerAppURL + "/programs/" + p.Slug,
			"InvitedOn": inv.InvitedAt.UTC().Format("2 January 2006"), "UnsubscribeURL": x.links.URL(p.OrgID, inv.EmailKey),
			"Message": x.org.InvitationMessageFor(inv.Learner), "BrandColor": x.org.Brand.Color,
		},
	}
}
