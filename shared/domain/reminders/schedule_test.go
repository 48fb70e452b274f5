package reminders_test

import (
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) time.Time {
	t, err := time.Parse(reminders.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// 2026-11-28 is a Saturday; 2026-11-21 and 2026-11-14 are the two before.
func TestSaturdayOfTakesTheDayOfTheEventAtAnyHour(t *testing.T) {
	tests := []struct {
		name, time, want string
		wantErr          bool
	}{
		{"midnight", "2026-11-28T00:00:00Z", "2026-11-28", false},
		{"the configured hour", "2026-11-28T09:00:00Z", "2026-11-28", false},
		{"a retry late in the day", "2026-11-28T23:59:59.999Z", "2026-11-28", false},
		{"a time in another zone that is Saturday in UTC", "2026-11-27T20:00:00-05:00", "2026-11-28", false},
		{"a time in another zone that is Friday in UTC", "2026-11-28T01:00:00+02:00", "", true},
		{"Friday", "2026-11-27T09:00:00Z", "", true},
		{"Sunday", "2026-11-29T09:00:00Z", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reminders.SaturdayOf(at(tt.time))
			if tt.wantErr {
				if bo.ErrorCode(err) != bo.EINVALID {
					t.Fatalf("SaturdayOf(%s) = %v, %v; want EINVALID", tt.time, got, err)
				}
				return
			}
			if err != nil || !got.Equal(date(tt.want)) || got.Location() != time.UTC {
				t.Fatalf("SaturdayOf(%s) = %v, %v; want %s midnight UTC", tt.time, got, err, tt.want)
			}
		})
	}
}

func TestParseSaturday(t *testing.T) {
	for s, ok := range map[string]bool{"2026-11-28": true, "2026-11-27": false, "28/11/2026": false, "": false, "2026-11-28T00:00:00Z": false} {
		_, err := reminders.ParseSaturday(s)
		if (err == nil) != ok || (err != nil && bo.ErrorCode(err) != bo.EINVALID) {
			t.Errorf("ParseSaturday(%q) = %v, want ok=%v (or EINVALID)", s, err, ok)
		}
	}
}

func TestWindowsOfASaturday(t *testing.T) {
	ws := reminders.Windows(date("2026-11-28"))
	want := []reminders.Window{
		{N: 1, From: date("2026-11-21"), To: date("2026-11-28")},
		{N: 2, From: date("2026-11-14"), To: date("2026-11-21")},
	}
	if len(ws) != len(want) {
		t.Fatalf("windows %v, want %v", ws, want)
	}
	for i := range want {
		if ws[i].N != want[i].N || !ws[i].From.Equal(want[i].From) || !ws[i].To.Equal(want[i].To) {
			t.Errorf("window %d = %+v, want %+v", i, ws[i], want[i])
		}
	}
}

// TestReminderOnEachSaturday walks invitations sent at chosen moments
// through the Saturdays around them: the first reminder on the first
// Saturday strictly after the day of sending, the second a week later, no
// third; and the windows of each Saturday agree.
func TestReminderOnEachSaturday(t *testing.T) {
	tests := []struct {
		name, sent, first string
	}{
		{"on a Wednesday", "2026-11-18T14:30:00Z", "2026-11-21"},
		{"on a Friday just before midnight", "2026-11-20T23:59:59.999Z", "2026-11-21"},
		{"on a Saturday at midnight", "2026-11-21T00:00:00Z", "2026-11-28"},
		{"on a Saturday before the run's hour", "2026-11-21T08:59:00Z", "2026-11-28"},
		{"on a Saturday after the run", "2026-11-21T10:00:00Z", "2026-11-28"},
		{"on a Saturday just before midnight", "2026-11-21T23:59:59.999Z", "2026-11-28"},
		{"on a Sunday at midnight", "2026-11-22T00:00:00Z", "2026-11-28"},
		{"late Friday in New York, Saturday in UTC", "2026-11-20T21:00:00-05:00", "2026-11-28"},
		{"across a month and a year", "2026-12-31T12:00:00Z", "2027-01-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, first := at(tt.sent), date(tt.first)
			if got := reminders.FirstSaturdayAfter(sent); !got.Equal(first) {
				t.Fatalf("FirstSaturdayAfter(%s) = %s, want %s", tt.sent, got.Format(reminders.DateLayout), tt.first)
			}
			for week := -2; week <= 4; week++ {
				saturday := first.AddDate(0, 0, 7*week)
				want := 0
				if week == 0 || week == 1 {
					want = week + 1
				}
				if got := reminders.ReminderOn(sent, saturday); got != want {
					t.Errorf("ReminderOn(%s, %s) = %d, want %d", tt.sent, saturday.Format(reminders.DateLayout), got, want)
				}
				inWindow := 0
				for _, w := range reminders.Windows(saturday) {
					if w.Contains(sent) {
						inWindow = w.N
					}
				}
				if inWindow != want {
					t.Errorf("on %s the windows give reminder %d, want %d", saturday.Format(reminders.DateLayout), inWindow, want)
				}
			}
		})
	}
}

func TestNames(t *testing.T) {
	sent := at("2026-11-18T14:30:00.123Z")
	if got, want := reminders.MessageID("prg_1", "ada@acme.edu", sent, 2), "reminder/prg_1/ada@acme.edu/1795012200123/2"; got != want {
		t.Errorf("MessageID = %s, want %s", got, want)
	}
	if got, want := reminders.Campaign("org_1", "prg_1", date("2026-11-28")), "reminder/org_1/prg_1/2026-11-28"; got != want {
		t.Errorf("Campaign = %s, want %s", got, want)
	}
}
