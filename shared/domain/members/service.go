// Package members is the members capability of a program's admins: the
// members view (statuses, filters, search, sorts) and removing learners, with
// or without permission to return. It imports neither Lambda nor the AWS SDK.
package members

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// Store is the storage the service needs. Methods return ENOTFOUND for a
// missing entity.
type Store interface {
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	GetLearner(ctx context.Context, programID, emailKey string) (bo.Learner, error)
	// GetLearners returns the program's learners among the email keys
	// (at most 100).
	GetLearners(ctx context.Context, programID string, emailKeys []string) (map[string]bo.Learner, error)
	// ListEnrollments returns every enrollment of a learner of the program.
	ListEnrollments(ctx context.Context, programID, emailKey string) ([]bo.Enrollment, error)
	// ListContracts returns a page of the org's contracts (the CSV names
	// them).
	ListContracts(ctx context.Context, orgID string, page bo.Page) ([]bo.Contract, string, error)
	// RemoveMember makes a member DELETED_MEMBER and releases their
	// licence; ECONFLICT when they are not a member.
	RemoveMember(ctx context.Context, l bo.Learner, allowReturn bool, now time.Time) error
}

// Authorizer says whether a caller administers a program (admin.Service).
type Authorizer interface {
	AuthorizeProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error)
}

// Outbox puts emails on the mail queue.
type Outbox interface {
	Publish(ctx context.Context, msgs []mail.Message) error
}

// Service serves a program's admins.
type Service struct {
	store         Store
	view          ViewStore
	auth          Authorizer
	outbox        Outbox
	learnerAppURL string
	// Now is the clock; Log receives what callers are not shown.
	Now func() time.Time
	Log *slog.Logger
}

// NewService returns a Service; learnerAppURL is the base of program URLs.
func NewService(store interface {
	Store
	ViewStore
}, auth Authorizer, outbox Outbox, learnerAppURL string) *Service {
	return &Service{store: store, view: store, auth: auth, outbox: outbox, learnerAppURL: strings.TrimRight(learnerAppURL, "/"),
		Now: func() time.Time { return time.Now().UTC() }, Log: slog.Default()}
}

// Remove removes a member from the program: they become DELETED_MEMBER with
// the removal date, keep their progress, release their licence and get the
// program exit email (with a way back when allowReturn; a failure to queue
// it is logged, and the removal stands). It returns
// ENOTFOUND for someone with no standing in the program, ECONFLICT for an
// invitee (remove the invitation instead) or someone already removed, and
// the errors of AuthorizeProgram.
func (s *Service) Remove(ctx context.Context, caller bo.Caller, orgID, programID, email string, allowReturn bool) (bo.Learner, error) {
	p, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID)
	if err != nil {
		return bo.Learner{}, err
	}
	return s.remove(ctx, p, email, allowReturn, true)
}

// remove removes one member; record says whether the removal is recorded
// in the audit log on its own (an admin's removal) or is part of work whose
// outcome is recorded as a whole (a program's deletion).
func (s *Service) remove(ctx context.Context, p bo.Program, email string, allowReturn, record bool) (bo.Learner, error) {
	e, err := bo.ParseEmail(email)
	if err != nil {
		return bo.Learner{}, err
	}
	l, err := s.store.GetLearner(ctx, p.ID, e.Key)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return bo.Learner{}, bo.Errorf(bo.ENOTFOUND, "%s is not a member of this program", e.Display)
	} else if err != nil {
		return bo.Learner{}, err
	}
	switch l.State {
	case bo.StateInvited:
		return bo.Learner{}, bo.Errorf(bo.ECONFLICT, "%s is invited, not a member: remove the invitation instead", l.Email)
	case bo.StateDeletedMember:
		return bo.Learner{}, bo.Errorf(bo.ECONFLICT, "%s was removed from this program already", l.Email)
	}
	now := s.Now()
	if record {
		ctx = audit.For(ctx, now, p.OrgID, p.ID, audit.MemberRemove, audit.Target{Type: audit.TargetMember, ID: l.Email},
			[]audit.Change{{Field: "state", Old: string(l.State), New: string(bo.StateDeletedMember)},
				{Field: "allowReturn", New: fmt.Sprint(allowReturn)}})
	}
	if err := s.store.RemoveMember(ctx, l, allowReturn, now); err != nil {
		return bo.Learner{}, err
	}
	l.State, l.RemovedAt, l.AllowReturn, l.UpdatedAt = bo.StateDeletedMember, &now, allowReturn, now
	// The removal stands whether or not its email can be queued: answering
	// with an error would make the admin retry a removal that is done.
	if err := s.exitEmail(ctx, p, l); err != nil {
		s.Log.ErrorContext(ctx, "exit email not queued", slog.String("programId", p.ID), slog.String("email", l.EmailKey),
			slog.String("error", err.Error()))
	}
	return l, nil
}

// exitEmail queues the program exit email of a removal; its mail id names
// the removal, so it is sent once.
func (s *Service) exitEmail(ctx context.Context, p bo.Program, l bo.Learner) error {
	org, err := s.store.GetOrg(ctx, p.OrgID)
	if err != nil {
		return err
	}
	allow := ""
	if l.AllowReturn {
		allow = "yes"
	}
	msg := mail.Message{
		ID: "program-exit/" + p.ID + "/" + l.EmailKey + "/" + strconv.FormatInt(l.RemovedAt.UnixMilli(), 10),
		To: l.Email, Template: mail.TemplateProgramExit, OrgID: p.OrgID, Logo: mail.OrgLogo(org),
		Data: map[string]string{"LearnerName": l.FullName, "OrgName": org.Name, "ProgramName": p.Name,
			"ProgramURL": s.learnerAppURL + "/programs/" + p.Slug, "AllowReturn": allow},
	}
	if err := s.outbox.Publish(ctx, []mail.Message{msg}); err != nil {
		return fmt.Errorf("queue the exit email of %s: %w", l.EmailKey, err)
	}
	return nil
}

// RemoveMany removes up to bo.MaxRemovals members, each as Remove does, and
// reports every email's outcome (a storage failure is "internal error",
// logged); it returns EINVALID for an empty or oversized list.
func (s *Service) RemoveMany(ctx context.Context, caller bo.Caller, orgID, programID string, emails []string, allowReturn bool) ([]bo.Removal, error) {
	p, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID)
	if err != nil {
		return nil, err
	}
	return bo.RemoveEach(ctx, s.Log.With(slog.String("programId", programID)), "remove member", emails,
		func(ctx context.Context, email string) error {
			_, err := s.remove(ctx, p, email, allowReturn, true)
			return err
		})
}
