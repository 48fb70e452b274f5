package reminders

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// DefaultHourUTC is the hour of Saturday (UTC) the reminders go out at
// unless the deployment chooses another (the CDK context value
// reminderHourUtc, REMINDER_HOUR_UTC for the function).
const DefaultHourUTC = 9

// InvitationReminderID names the invitation reminder among the automated
// messages (in the API's paths).
const InvitationReminderID = "invitation-reminder"

// What the Messages page says of the invitation reminder.
const (
	reminderPurpose  = "Invitation reminder: remind learners to join the program"
	reminderAudience = "Invitees who have not joined the program"
)

// AutomatedMessage is one automated message of one program, as the
// Messages page lists it.
type AutomatedMessage struct {
	ID       string     `json:"id"`
	Purpose  string     `json:"purpose"`
	Audience string     `json:"audience"`
	Schedule string     `json:"schedule"`
	Program  ProgramRef `json:"program"`
	Enabled  bool       `json:"enabled"`
	// LastRun is the latest Saturday the reminders ran for the program, with
	// what became of them; null before the first.
	LastRun *LastRun `json:"lastRun"`
}

// ProgramRef names the program an automated message is for.
type ProgramRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// LastRun is one Saturday's reminders of a program and their outcomes:
// planned (every invitee due), queued, and what the mailer made of the
// queued ones; suppressed and unsubscribed count those held back when
// planned and when sent.
type LastRun struct {
	Date   string            `json:"date"`
	Counts bo.CampaignCounts `json:"counts"`
}

// Admins says who may see and change what (admin.Service).
type Admins interface {
	// ListPrograms returns the programs the caller administers.
	ListPrograms(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]bo.Program, string, error)
	// AuthorizeOrgAdmin returns EFORBIDDEN unless the caller is an org admin.
	AuthorizeOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) error
}

// SettingsStore is the storage of the switches and the counts.
type SettingsStore interface {
	// SetInvitationReminders switches the program's reminder on or off and
	// returns the program; ENOTFOUND for no such program.
	SetInvitationReminders(ctx context.Context, orgID, programID string, on bool, at time.Time) (bo.Program, error)
	CampaignCounts(ctx context.Context, campaign string) (map[string]int, error)
}

// Service lists the automated messages and switches them.
type Service struct {
	admins Admins
	store  SettingsStore
	// Hour is the hour (UTC) the schedule runs at on Saturdays.
	hour int
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a Service for a schedule at the hour (UTC).
func NewService(admins Admins, store SettingsStore, hourUTC int) *Service {
	return &Service{admins: admins, store: store, hour: hourUTC, Now: func() time.Time { return time.Now().UTC() }}
}

// Schedule says when the reminder goes out.
func (s *Service) Schedule() string {
	return fmt.Sprintf("First and second Saturday after the invitation was sent, %02d:00 UTC", s.hour)
}

// List returns a page of the automated messages of the programs the caller
// administers (every program of the org for an org admin, their own for a
// program admin): one invitation reminder per program, whether it is on,
// and its last run with its counts. It returns the errors of
// admin.Service.ListPrograms (EFORBIDDEN for a caller who is no admin of
// the org, EINVALID for a bad page) and the store's.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]AutomatedMessage, string, error) {
	programs, next, err := s.admins.ListPrograms(ctx, caller, orgID, page)
	if err != nil {
		return nil, "", err
	}
	out := make([]AutomatedMessage, len(programs))
	err = inParallel(len(programs), func(i int) error {
		var err error
		out[i], err = s.message(ctx, programs[i])
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// Switch turns an automated message of a program on or off.
type Switch struct {
	Enabled *bool `json:"enabled"`
}

// SetInvitationReminder switches the invitation reminder of a program on or
// off; only org admins may. It returns EFORBIDDEN for anyone else, EINVALID
// without "enabled", ENOTFOUND for a program the org does not have, and the
// store's errors.
func (s *Service) SetInvitationReminder(ctx context.Context, caller bo.Caller, orgID, programID string, in Switch) (AutomatedMessage, error) {
	if err := s.admins.AuthorizeOrgAdmin(ctx, caller, orgID); err != nil {
		return AutomatedMessage{}, err
	}
	if in.Enabled == nil {
		return AutomatedMessage{}, bo.Invalid("enabled is required: true switches the reminder on, false off",
			bo.FieldError{Field: "enabled", Message: "is required"})
	}
	now := s.Now()
	ctx = audit.For(ctx, now, orgID, programID, audit.ReminderScheduleUpdate,
		audit.Target{Type: audit.TargetReminderSchedule, ID: "invitation-reminder/" + programID},
		audit.Set("enabled", strconv.FormatBool(*in.Enabled)))
	p, err := s.store.SetInvitationReminders(ctx, orgID, programID, *in.Enabled, now)
	if err != nil {
		return AutomatedMessage{}, err
	}
	return s.message(ctx, p)
}

// message is the invitation reminder of a program, with its last run's
// counts.
func (s *Service) message(ctx context.Context, p bo.Program) (AutomatedMessage, error) {
	m := AutomatedMessage{
		ID: InvitationReminderID, Purpose: reminderPurpose, Audience: reminderAudience, Schedule: s.Schedule(),
		Program: ProgramRef{ID: p.ID, Name: p.Name}, Enabled: !p.Reminders.Off,
	}
	if p.Reminders.LastRun == "" {
		return m, nil
	}
	saturday, err := time.Parse(DateLayout, p.Reminders.LastRun)
	if err != nil {
		return m, fmt.Errorf("program %s: last reminder run %q: %w", p.ID, p.Reminders.LastRun, err)
	}
	counts, err := s.store.CampaignCounts(ctx, Campaign(p.OrgID, p.ID, saturday))
	if err != nil {
		return m, err
	}
	m.LastRun = &LastRun{Date: p.Reminders.LastRun, Counts: bo.CampaignCountsOf(counts)}
	return m, nil
}
