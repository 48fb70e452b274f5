package local

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestRunRemindersFiresTheScheduleOfTheSaturday(t *testing.T) {
	var got []events.EventBridgeEvent
	fail := false
	h := RunReminders(func(_ context.Context, ev events.EventBridgeEvent) error {
		got = append(got, ev)
		if fail {
			return errors.New("table down")
		}
		return nil
	}, 9, slog.New(slog.DiscardHandler))
	tests := []struct {
		method, target string
		fail           bool
		status         int
		body           string
	}{
		{"POST", RemindersPath + "?date=2026-11-28", false, 200, `"date":"2026-11-28"`},
		{"POST", RemindersPath + "?date=2026-11-28", false, 200, `"eventId":"local-`},
		{"POST", RemindersPath + "?date=2026-11-27", false, 400, "Saturday"},
		{"POST", RemindersPath, false, 400, "YYYY-MM-DD"},
		{"GET", RemindersPath + "?date=2026-11-28", false, 405, "POST"},
		{"POST", RemindersPath + "?date=2026-12-05", true, 500, "table down"},
	}
	for _, tt := range tests {
		fail = tt.fail
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s %s: %d %s, want %d with %s", tt.method, tt.target, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d runs, want 3", len(got))
	}
	if want := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC); !got[0].Time.Equal(want) || got[0].DetailType != "Scheduled Event" || got[0].ID == got[1].ID {
		t.Fatalf("events %+v: want the Saturday at 09:00 UTC, each firing its own id", got[:2])
	}
}

func TestRunDailyReportsFiresTheScheduleOfTheDay(t *testing.T) {
	var got []events.EventBridgeEvent
	h := RunDailyReports(func(_ context.Context, ev events.EventBridgeEvent) error {
		got = append(got, ev)
		return nil
	}, 6, slog.New(slog.DiscardHandler))
	tests := []struct {
		method, target string
		status         int
		body           string
	}{
		{"POST", ReportsDailyRunPath + "?date=2026-03-02", 200, `"date":"2026-03-02"`},
		{"POST", ReportsDailyRunPath, 200, `"date":"`}, // today, checked below
		{"POST", ReportsDailyRunPath + "?date=2026-3-2", 400, "YYYY-MM-DD"},
		{"GET", ReportsDailyRunPath, 405, "POST"},
	}
	// "Today" is the real clock's: the run without a date may fall on either
	// side of midnight UTC of the test's start and end.
	first := time.Now().UTC().Truncate(24 * time.Hour)
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s %s: %d %s, want %d with %s", tt.method, tt.target, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
	last := time.Now().UTC().Truncate(24 * time.Hour)
	if len(got) != 2 || !got[0].Time.Equal(time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("runs %+v: want two, the first on 2026-03-02 at 06:00 UTC", got)
	}
	if day := got[1].Time.UTC().Truncate(24 * time.Hour); !day.Equal(first) && !day.Equal(last) {
		t.Fatalf("the run without a date ran for %s, want today (%s)", got[1].Time, first.Format(time.DateOnly))
	}
}

func TestNextSaturdayAt(t *testing.T) {
	tests := []struct{ now, want string }{
		{"2026-11-25T12:00:00Z", "2026-11-28T09:00:00Z"}, // Wednesday
		{"2026-11-28T08:59:59Z", "2026-11-28T09:00:00Z"}, // Saturday, before the hour
		{"2026-11-28T09:00:00Z", "2026-12-05T09:00:00Z"}, // at the hour: the next week's
		{"2026-11-28T23:00:00Z", "2026-12-05T09:00:00Z"},
		{"2026-11-29T00:00:00Z", "2026-12-05T09:00:00Z"},
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.now)
		if got := nextSaturdayAt(now, 9); got.Format(time.RFC3339) != tt.want {
			t.Errorf("nextSaturdayAt(%s) = %s, want %s", tt.now, got.Format(time.RFC3339), tt.want)
		}
	}
}
