package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// Weekdays are the days a schedule names, in the week's order.
var Weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// weekday returns the schedule's name of t's day of the week, in UTC.
func weekday(t time.Time) string { return strings.ToLower(t.UTC().Weekday().String()) }

// Schedule is an org's weekly report: the programs it covers and the days
// of the week (UTC) it is sent on, to every admin of the org.
type Schedule struct {
	OrgID      string     `json:"orgId"`
	ProgramIDs []string   `json:"programIds"`
	Days       []string   `json:"days"`
	UpdatedBy  string     `json:"updatedBy,omitempty"`
	UpdatedAt  *time.Time `json:"updatedAt,omitempty"`
}

// ScheduleChange sets an org's schedule: the programs, and the days (none
// turns the schedule off).
type ScheduleChange struct {
	ProgramIDs []string `json:"programIds"`
	Days       []string `json:"days"`
}

// ScheduleStore keeps report schedules.
type ScheduleStore interface {
	// GetSchedule returns the org's schedule; ENOTFOUND when none was set.
	GetSchedule(ctx context.Context, orgID string) (Schedule, error)
	// PutSchedule writes the schedule and lists the org under each of its
	// days, and under no other.
	PutSchedule(ctx context.Context, sch Schedule) error
	// ScheduledOrgs returns a page of the orgs listed under a day, and the
	// cursor of the next page ("" at the end).
	ScheduledOrgs(ctx context.Context, day, cursor string) ([]string, string, error)
}

// requireOrgAdmin returns EFORBIDDEN unless the caller is an org admin.
func (s *Service) requireOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	a, err := s.access.Access(ctx, caller, orgID)
	if err == nil && a.Role != bo.RoleOrgAdmin {
		err = bo.Errorf(bo.EFORBIDDEN, "only org admins may schedule reports")
	}
	return a, err
}

// GetSchedule returns the org's weekly report schedule (no programs and no
// days when none was set) to its org admins; others get EFORBIDDEN.
func (s *Service) GetSchedule(ctx context.Context, caller bo.Caller, orgID string) (Schedule, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return Schedule{}, err
	}
	sch, err := s.store.GetSchedule(ctx, orgID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return Schedule{OrgID: orgID, ProgramIDs: []string{}, Days: []string{}}, nil
	}
	return sch, err
}

// PutSchedule sets the org's weekly report schedule, for its org admins
// (others get EFORBIDDEN). It returns EINVALID for an unknown day, a
// program that is not the org's, or days without programs.
func (s *Service) PutSchedule(ctx context.Context, caller bo.Caller, orgID string, in ScheduleChange) (Schedule, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return Schedule{}, err
	}
	var v bo.Validation
	days := []string{}
	for _, d := range Weekdays {
		if slices.ContainsFunc(in.Days, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), d) }) {
			days = append(days, d)
		}
	}
	for _, d := range in.Days {
		v.Check(slices.Contains(Weekdays, strings.ToLower(strings.TrimSpace(d))), "days", "%q is not a day: use %s", d, strings.Join(Weekdays, ", "))
	}
	programs := []string{}
	for _, id := range in.ProgramIDs {
		if !slices.Contains(programs, id) {
			programs = append(programs, id)
		}
	}
	v.Check(len(days) == 0 || len(programs) > 0, "programIds", "choose the programs to report on")
	if err := v.Err(); err != nil {
		return Schedule{}, err
	}
	for _, id := range programs {
		if _, err := s.store.GetProgram(ctx, orgID, id); bo.ErrorCode(err) == bo.ENOTFOUND {
			return Schedule{}, bo.Invalid("no program "+id+" in this organisation", bo.FieldError{Field: "programIds", Message: "no program " + id})
		} else if err != nil {
			return Schedule{}, err
		}
	}
	before, err := s.store.GetSchedule(ctx, orgID)
	if err != nil && bo.ErrorCode(err) != bo.ENOTFOUND {
		return Schedule{}, err
	}
	now := s.Now()
	sch := Schedule{OrgID: orgID, ProgramIDs: programs, Days: days, UpdatedBy: caller.Email, UpdatedAt: &now}
	ctx = audit.For(ctx, now, orgID, "", audit.ReportScheduleUpdate, audit.Target{Type: audit.TargetReportSchedule, ID: orgID},
		audit.Diff(before, sch, "orgId", "updatedBy", "updatedAt"))
	return sch, s.store.PutSchedule(ctx, sch)
}

// RunDaily sends the weekly reports due on the day of at (UTC): for each
// org scheduled that weekday, one report of its scheduled programs to its
// org admins and, to each program admin, one of the scheduled programs
// they administer. Each report's job id comes from the org, the date and
// its programs, and is created only if new, so a second run on the same
// day creates nothing and sends nothing (a report of the first run still
// queued is queued again: its emails' ids are the same, and the mailer
// sends each id once). It carries on past an org that fails and then
// returns an error naming how many did.
func (s *Service) RunDaily(ctx context.Context, at time.Time) error {
	day, date := weekday(at), at.UTC().Format(time.DateOnly)
	var errs []error
	orgs := 0
	for cursor := ""; ; {
		ids, next, err := s.store.ScheduledOrgs(ctx, day, cursor)
		if err != nil {
			return fmt.Errorf("list the orgs scheduled on %s: %w", day, err)
		}
		for _, orgID := range ids {
			orgs++
			if err := s.runOrg(ctx, orgID, day, date); err != nil {
				s.Log.ErrorContext(ctx, "weekly report not sent", slog.String("orgId", orgID), slog.String("date", date), slog.String("error", err.Error()))
				errs = append(errs, err)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	s.Log.InfoContext(ctx, "weekly reports run", slog.String("date", date), slog.Int("orgs", orgs), slog.Int("failed", len(errs)))
	if len(errs) > 0 {
		return fmt.Errorf("weekly reports of %s: %d of %d orgs failed: %w", date, len(errs), orgs, errors.Join(errs...))
	}
	return nil
}

// recipients are the admins who get one report of a daily run.
type recipients struct {
	programs []string
	to       []string
}

// runOrg queues the org's weekly reports of the date.
func (s *Service) runOrg(ctx context.Context, orgID, day, date string) error {
	sch, err := s.store.GetSchedule(ctx, orgID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if !slices.Contains(sch.Days, day) {
		return nil // changed since the day's listing was read
	}
	var programs []string
	for _, id := range sch.ProgramIDs {
		if _, err := s.store.GetProgram(ctx, orgID, id); err == nil {
			programs = append(programs, id)
		} else if bo.ErrorCode(err) != bo.ENOTFOUND {
			return err
		}
	}
	admins, err := pageAll(ctx, orgID, s.store.ListAdmins)
	if err != nil {
		return err
	}
	groups := map[string]*recipients{}
	for _, a := range admins {
		var theirs []string
		for _, id := range programs {
			if a.CanAdminister(id) {
				theirs = append(theirs, id)
			}
		}
		if len(theirs) == 0 {
			continue
		}
		k := strings.Join(theirs, ",")
		if groups[k] == nil {
			groups[k] = &recipients{programs: theirs}
		}
		groups[k].to = append(groups[k].to, a.Email)
	}
	now := s.Now()
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		j := Job{ID: scheduledID(date, k), OrgID: orgID, Type: TypeUsage, Scope: ScopeActive, ProgramIDs: g.programs,
			Status: StatusQueued, ScheduledFor: date, Recipients: g.to, CreatedAt: now, UpdatedAt: now}
		err := s.store.CreateReport(ctx, j)
		if bo.ErrorCode(err) == bo.ECONFLICT {
			if j, err = s.store.GetReport(ctx, orgID, j.ID); err != nil {
				return err
			}
			if j.Status != StatusQueued {
				continue // built, being built or given up: once a day
			}
		} else if err != nil {
			return err
		}
		if err := s.queue(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// scheduledID is the id of the weekly report of a date for a set of
// programs: the same on every run of the day.
func scheduledID(date, programs string) string {
	sum := sha256.Sum256([]byte(programs))
	return "rpt_" + strings.ReplaceAll(date, "-", "") + "_" + hex.EncodeToString(sum[:8])
}
