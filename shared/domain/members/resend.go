package members

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// WorkInvitationResend is the kind of the work item that resends the
// pending invitations of a selection.
const WorkInvitationResend = "invitation-resend"

// KindResend marks the job record of a bulk resend; member exports have
// no kind. Both are kept by ExportStore, under the program.
const KindResend = "invitation-resend"

// Why a pending invitation of a resend's selection was not sent again.
const (
	// SkipNotPending: a picked address has no pending invitation (it
	// joined, was withdrawn, or was never invited).
	SkipNotPending = "not_pending"
	// SkipUndeliverable: the address bounced hard or complained since the
	// invitation was sent.
	SkipUndeliverable = "undeliverable"
	// SkipSuppressed and SkipUnsubscribed: the reminders' rules: the
	// address is suppressed (a bounce or complaint anywhere), or the
	// learner unsubscribed from the org's emails.
	SkipSuppressed   = "suppressed"
	SkipUnsubscribed = "unsubscribed"
	// SkipCapped: the learner had as many of the org's admin emails within
	// the window as the org's per-learner cap allows.
	SkipCapped = "capped"
)

// SkipReasons are the reasons a resend counts, in the order a learner is
// checked for them.
var SkipReasons = []string{SkipNotPending, SkipUndeliverable, SkipSuppressed, SkipUnsubscribed, SkipCapped}

// ResendSelection is which pending invitations a bulk resend sends again:
// the members view's invited_not_joined selection (Search, ContractIDs),
// or, instead, the addresses picked by hand (Emails).
type ResendSelection struct {
	Search      string   `json:"search,omitempty"`
	ContractIDs []string `json:"contractIds,omitempty"`
	// Emails are addresses picked by hand, at most MaxSelectedLearners; with
	// them the filters must be empty.
	Emails []string `json:"emails,omitempty"`
}

// Resend is a bulk resend of pending invitations, run in the background:
// where it stands and what became of each invitation so far.
type Resend struct {
	ID        string          `json:"id"`
	OrgID     string          `json:"orgId"`
	ProgramID string          `json:"programId"`
	Status    ExportStatus    `json:"status"`
	Selection ResendSelection `json:"selection"`
	// Considered counts the learners of the selection looked at so far;
	// Resent those whose invitation was sent again; Skipped the others by
	// reason (SkipReasons; a reason no learner had is left out).
	Considered int            `json:"considered"`
	Resent     int            `json:"resent"`
	Skipped    map[string]int `json:"skipped"`
	Error      string         `json:"error,omitempty"`
	CreatedAt  time.Time      `json:"createdAt"`
	UpdatedAt  time.Time      `json:"updatedAt"`
	StartedAt  *time.Time     `json:"startedAt,omitempty"`
	FinishedAt *time.Time     `json:"finishedAt,omitempty"`
}

// resendOf is the API's view of a resend's job record.
func resendOf(e Export) Resend {
	r := Resend{ID: e.ID, OrgID: e.OrgID, ProgramID: e.ProgramID, Status: e.Status, Considered: e.Rows,
		Resent: e.Counts["resent"], Skipped: map[string]int{}, Error: e.Error, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		StartedAt: e.StartedAt, FinishedAt: e.FinishedAt,
		Selection: ResendSelection{Search: e.Selection.Search, ContractIDs: e.Selection.ContractIDs, Emails: e.Emails}}
	for _, why := range SkipReasons {
		if n := e.Counts[why]; n > 0 {
			r.Skipped[why] = n
		}
	}
	return r
}

// Resender sends one pending invitation again (invite.Service).
type Resender interface {
	// ResendPending sends l's invitation to program p again with a new
	// link; the email's id ends in resendID, so that it goes once per
	// resend however often this is called.
	ResendPending(ctx context.Context, p bo.Program, l bo.Learner, resendID string) error
}

// ResendRules are the rules a resend keeps: the reminders' (no email to a
// suppressed or unsubscribed address) and the org's per-learner cap.
type ResendRules interface {
	// Reachability returns why the addresses that may not get the org's
	// emails may not (suppressed, unsubscribed); reachable ones are absent.
	Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error)
	// Admit reports whether the email emailID may reach the learner under
	// the org's cap, taking its place when it may (the same id takes the
	// same place again).
	Admit(ctx context.Context, orgID, emailKey, emailID string, now time.Time) (bool, error)
}

// ResendStore is what a resend's run reads: the program.
type ResendStore interface {
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
}

// Resends runs bulk resends of pending invitations.
type Resends struct {
	members  *Service
	jobs     ExportStore
	programs ResendStore
	resender Resender
	rules    ResendRules
	work     Work
}

// NewResends returns the bulk resends of the service's programs.
func NewResends(members *Service, jobs ExportStore, programs ResendStore, resender Resender, rules ResendRules, work Work) *Resends {
	return &Resends{members: members, jobs: jobs, programs: programs, resender: resender, rules: rules, work: work}
}

// resendWorkers is how many invitations of a batch are resent at once.
const resendWorkers = 8

// Create checks the selection and queues its resend. It returns EINVALID
// for picked addresses that are malformed (naming each), too many, or given
// with filters, and for a selection the members view would refuse; and the
// errors of AuthorizeProgram. A failure to queue it marks the job failed
// and is returned.
func (x *Resends) Create(ctx context.Context, caller bo.Caller, orgID, programID string, sel ResendSelection) (Resend, error) {
	q := bo.MemberQuery{Status: bo.MemberInvitedNever, Sort: bo.MembersByEmail, Search: sel.Search, ContractIDs: sel.ContractIDs}
	if _, err := x.members.check(ctx, caller, orgID, programID, &q); err != nil {
		return Resend{}, err
	}
	var v bo.Validation
	var keys []string
	if len(sel.Emails) > 0 {
		v.Check(q.Search == "" && len(q.ContractIDs) == 0, "emails", "picked addresses cannot be combined with search or contractIds")
		v.Check(len(sel.Emails) <= MaxSelectedLearners, "emails", "must hold at most %d addresses", MaxSelectedLearners)
		for i, raw := range sel.Emails {
			e, err := bo.ParseEmail(raw)
			if err != nil {
				v.Add("emails", "item %d (%q) is not an email address", i, raw)
			} else if !slices.Contains(keys, e.Key) {
				keys = append(keys, e.Key)
			}
		}
	}
	if err := v.Err(); err != nil {
		return Resend{}, err
	}
	now := q.Now
	e := Export{
		ID: bo.NewID("rsd", now), OrgID: orgID, ProgramID: programID, Status: ExportQueued, Kind: KindResend,
		Selection: Selection{Status: bo.MemberInvitedNever, Sort: bo.MembersByEmail, Order: "asc", Search: q.Search, ContractIDs: q.ContractIDs},
		Emails:    keys, CreatedBy: caller.Subject, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(ExportLifetime).Truncate(time.Second),
	}
	if err := x.jobs.CreateExport(ctx, e); err != nil {
		return Resend{}, err
	}
	if err := x.work.Send(ctx, WorkItem{Kind: WorkInvitationResend, OrgID: orgID, ProgramID: programID, ExportID: e.ID}); err != nil {
		e.Status, e.Error, e.UpdatedAt = ExportFailed, "the resend could not be queued; ask again", x.members.Now()
		if serr := x.jobs.StartExport(ctx, e); serr != nil {
			err = fmt.Errorf("%w (and marking it failed: %v)", err, serr)
		}
		return Resend{}, fmt.Errorf("queue invitation resend %s: %w", e.ID, err)
	}
	return resendOf(e), nil
}

// Get returns a bulk resend with its progress; one without progress for
// ExportStaleAfter is shown as failed. It returns ENOTFOUND for an unknown
// or expired resend and the errors of AuthorizeProgram.
func (x *Resends) Get(ctx context.Context, caller bo.Caller, orgID, programID, resendID string) (Resend, error) {
	if _, err := x.members.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return Resend{}, err
	}
	e, err := x.jobs.GetExport(ctx, programID, resendID)
	if err != nil {
		return Resend{}, err
	}
	now := x.members.Now()
	if e.OrgID != orgID || e.Kind != KindResend || !now.Before(e.ExpiresAt) {
		return Resend{}, bo.Errorf(bo.ENOTFOUND, "resend %s not found", resendID)
	}
	if (e.Status == ExportQueued || e.Status == ExportRunning) && now.Sub(e.UpdatedAt) > ExportStaleAfter {
		e.Status, e.Error = ExportFailed, fmt.Sprintf("the resend stopped after %d invitations; ask again (those sent are not sent twice)", e.Rows)
	}
	return resendOf(e), nil
}

// Handle runs one resend work item: it starts a run of the job (a new one
// when an earlier delivery's run is still marked running), goes through the
// selection's pending invitations batch by batch, sending each again
// unless a rule holds it back, records the counts after every batch, and
// marks the job done or failed. A run started again begins anew; the
// invitations its predecessor sent are not emailed twice (the email's id
// and its place under the cap are the resend's), though they count again.
// It returns an error for an item it cannot read and for storage errors
// before the run starts.
func (x *Resends) Handle(ctx context.Context, body string) error {
	var item WorkItem
	if err := json.Unmarshal([]byte(body), &item); err != nil || item.Kind != WorkInvitationResend || item.ExportID == "" {
		return fmt.Errorf("work item %q is not an invitation resend", body)
	}
	e, err := x.jobs.GetExport(ctx, item.ProgramID, item.ExportID)
	switch {
	case bo.ErrorCode(err) == bo.ENOTFOUND || (err == nil && e.Kind != KindResend):
		x.members.Log.WarnContext(ctx, "invitation resend not found; work item dropped", slog.String("resendId", item.ExportID))
		return nil
	case err != nil:
		return err
	case e.Status == ExportDone || e.Status == ExportFailed:
		return nil
	}
	now := x.members.Now()
	e.Status, e.Rows, e.Counts, e.Error, e.UpdatedAt, e.StartedAt, e.FinishedAt = ExportRunning, 0, map[string]int{}, "", now, &now, nil
	e.RunID = bo.NewID("run", now)
	if err := x.jobs.StartExport(ctx, e); bo.ErrorCode(err) == bo.ECONFLICT {
		return nil
	} else if err != nil {
		return err
	}
	err = x.run(ctx, &e)
	if bo.ErrorCode(err) == bo.ECONFLICT {
		x.members.Log.InfoContext(ctx, "invitation resend taken over by a later delivery; this run stops", slog.String("resendId", e.ID))
		return nil
	}
	end := x.members.Now()
	e.UpdatedAt, e.FinishedAt = end, &end
	if err != nil {
		x.members.Log.ErrorContext(ctx, "invitation resend failed", slog.String("resendId", e.ID), slog.Int("considered", e.Rows),
			slog.String("error", err.Error()))
		e.Status, e.Error = ExportFailed, fmt.Sprintf("the resend stopped after %d invitations: %s; ask again (those sent are not sent twice)", e.Rows, failure(ctx, err))
	} else {
		e.Status = ExportDone
	}
	x.members.Log.InfoContext(ctx, "invitation resend finished", slog.String("resendId", e.ID), slog.String("status", string(e.Status)),
		slog.Any("counts", e.Counts))
	if err := x.jobs.UpdateExport(context.WithoutCancel(ctx), e); err != nil && bo.ErrorCode(err) != bo.ECONFLICT {
		return fmt.Errorf("record the end of invitation resend %s: %w", e.ID, err)
	}
	return nil
}

// run goes through the job's selection, batch by batch.
func (x *Resends) run(ctx context.Context, e *Export) error {
	p, err := x.programs.GetProgram(ctx, e.OrgID, e.ProgramID)
	if err != nil {
		return err
	}
	batch := func(learners []bo.Learner) error {
		if err := x.batch(ctx, p, e, learners); err != nil {
			return err
		}
		e.UpdatedAt = x.members.Now()
		return x.jobs.UpdateExport(ctx, *e)
	}
	if len(e.Emails) > 0 {
		for keys := range slices.Chunk(e.Emails, 100) {
			found, err := x.members.store.GetLearners(ctx, e.ProgramID, keys)
			if err != nil {
				return err
			}
			learners := make([]bo.Learner, len(keys))
			for i, k := range keys {
				if l, ok := found[k]; ok {
					learners[i] = l
				} else {
					learners[i] = bo.Learner{EmailKey: k} // no standing: not pending
				}
			}
			if err := batch(learners); err != nil {
				return err
			}
		}
		return nil
	}
	q, err := e.Selection.query()
	if err != nil {
		return err
	}
	q.Now = x.members.Now()
	return x.members.view.StreamMembers(ctx, e.ProgramID, q, batch)
}

// batch resends the pending invitations of one batch of learners that no
// rule holds back, resendWorkers at a time, and adds the outcomes to the
// job's counts.
func (x *Resends) batch(ctx context.Context, p bo.Program, e *Export, learners []bo.Learner) error {
	var keys []string
	for _, l := range learners {
		if l.State == bo.StateInvited {
			keys = append(keys, l.EmailKey)
		}
	}
	reach := map[string]bo.Reach{}
	if len(keys) > 0 {
		var err error
		if reach, err = x.rules.Reachability(ctx, e.OrgID, keys); err != nil {
			return err
		}
	}
	outcomes := make([]string, len(learners))
	errs := make([]error, len(learners))
	sem := make(chan struct{}, resendWorkers)
	var wg sync.WaitGroup
	for i, l := range learners {
		switch {
		case l.State != bo.StateInvited:
			outcomes[i] = SkipNotPending
		case l.Undeliverable:
			outcomes[i] = SkipUndeliverable
		case reach[l.EmailKey] == bo.Suppressed:
			outcomes[i] = SkipSuppressed
		case reach[l.EmailKey] != bo.Reachable:
			outcomes[i] = SkipUnsubscribed
		default:
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				outcomes[i], errs[i] = x.resendOne(ctx, p, e.ID, l)
			})
		}
	}
	wg.Wait()
	for i, o := range outcomes {
		if errs[i] == nil {
			e.Rows++
			e.Counts[o]++
		}
	}
	return errors.Join(errs...)
}

// resendOne takes the learner's place under the cap and resends their
// invitation; it returns "resent" or SkipCapped.
func (x *Resends) resendOne(ctx context.Context, p bo.Program, resendID string, l bo.Learner) (string, error) {
	ok, err := x.rules.Admit(ctx, l.OrgID, l.EmailKey, "invitation-resend/"+resendID, x.members.Now())
	if err != nil {
		return "", err
	}
	if !ok {
		return SkipCapped, nil
	}
	if err := x.resender.ResendPending(ctx, p, l, resendID); err != nil {
		return "", fmt.Errorf("resend the invitation of %s: %w", l.EmailKey, err)
	}
	return "resent", nil
}
