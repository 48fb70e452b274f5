// Package reminders sends the automated invitation reminders: on the first
// and on the second Saturday after an invitation was sent, each invitee
// whose invitation is still pending gets one reminder to join, exactly once
// per invitation and Saturday however often the run fires, in bounded
// memory, resuming where a run that ran out of time stopped. It also lists
// the org's automated messages and switches the reminder per program. It
// imports neither Lambda nor the AWS SDK.
package reminders

import (
	"fmt"
	"strconv"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Times is how many reminders an invitation gets: one on the first and one
// on the second Saturday after it was sent, never a third.
const Times = 2

// DateLayout is how a Saturday is written in campaign names, run keys and
// the API: 2026-11-28.
const DateLayout = "2006-01-02"

const day = 24 * time.Hour

// Window is the invitations that get their N-th reminder on a Saturday:
// those sent at or after From and before To.
type Window struct {
	N        int
	From, To time.Time
}

// Contains reports whether an invitation sent at t is in the window.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.To) }

// dayOf is midnight UTC of the day t falls on in UTC.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SaturdayOf returns midnight UTC of the day (in UTC) of t, the moment a
// scheduled run fired at, at whatever hour. It returns EINVALID when that
// day is not a Saturday.
func SaturdayOf(t time.Time) (time.Time, error) {
	d := dayOf(t)
	if d.Weekday() != time.Saturday {
		return time.Time{}, bo.Invalid(fmt.Sprintf("reminders run on Saturdays: %s is a %s", d.Format(DateLayout), d.Weekday()),
			bo.FieldError{Field: "date", Message: "must be a Saturday"})
	}
	return d, nil
}

// ParseSaturday reads a date written as DateLayout. It returns EINVALID for
// another layout or a day that is not a Saturday.
func ParseSaturday(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, bo.Invalid(fmt.Sprintf("date %q is not a date like 2026-11-28", s),
			bo.FieldError{Field: "date", Message: "must be a date like 2026-11-28"})
	}
	return SaturdayOf(t)
}

// FirstSaturdayAfter returns the first Saturday strictly after the day (in
// UTC) an invitation was sent: an invitation sent on a Saturday is first
// reminded a week later.
func FirstSaturdayAfter(sent time.Time) time.Time {
	d := dayOf(sent)
	ahead := (int(time.Saturday) - int(d.Weekday()) + 7) % 7
	if ahead == 0 {
		ahead = 7
	}
	return d.AddDate(0, 0, ahead)
}

// Windows returns, for the Saturday (midnight UTC), the window of each
// reminder: the first goes to invitations sent in the seven days before it
// (the Saturday a week before included, the Saturday itself not), the
// second to those of the seven days before that.
func Windows(saturday time.Time) []Window {
	out := make([]Window, Times)
	for i := range Times {
		n := i + 1
		out[i] = Window{N: n, From: saturday.Add(-time.Duration(7*n) * day), To: saturday.Add(-time.Duration(7*(n-1)) * day)}
	}
	return out
}

// ReminderOn returns which reminder (1 or 2) an invitation sent at sent gets
// on the Saturday, or 0 when it gets none that day.
func ReminderOn(sent, saturday time.Time) int {
	first := FirstSaturdayAfter(sent)
	for n := 1; n <= Times; n++ {
		if first.AddDate(0, 0, 7*(n-1)).Equal(saturday) {
			return n
		}
	}
	return 0
}

// Campaign names the bulk send of one program's reminders on one Saturday,
// whose outcomes the run and the mailer count:
// reminder/<orgId>/<programId>/<YYYY-MM-DD>.
func Campaign(orgID, programID string, saturday time.Time) string {
	return "reminder/" + orgID + "/" + programID + "/" + saturday.Format(DateLayout)
}

// MessageID is the mail ID of the n-th reminder of an invitation:
// reminder/<programId>/<emailKey>/<invited ms>/<n>. It is the same for
// every run of the Saturday, so the mailer sends it at most once.
func MessageID(programID, emailKey string, sent time.Time, n int) string {
	return "reminder/" + programID + "/" + emailKey + "/" + strconv.FormatInt(sent.UnixMilli(), 10) + "/" + strconv.Itoa(n)
}
