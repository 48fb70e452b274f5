package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// RemindersPath is the local-only route that runs the Saturday reminders
// for a chosen Saturday: POST /_local/reminders?date=2026-11-28.
const RemindersPath = "/_local/reminders"

// Schedule is the handler of a function's schedule events (the reminders'
// wire.Triggers.Schedule).
type Schedule func(ctx context.Context, ev events.EventBridgeEvent) error

// scheduledEvent is the event EventBridge's rule sends at the moment, with a
// fresh id, as every firing of a schedule has its own.
func scheduledEvent(at time.Time) events.EventBridgeEvent {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return events.EventBridgeEvent{Version: "0", ID: "local-" + hex.EncodeToString(b[:]), DetailType: "Scheduled Event",
		Source: "aws.events", AccountID: "000000000000", Region: "us-east-1", Time: at.UTC(), Detail: []byte("{}")}
}

// RunReminders returns the handler of POST RemindersPath?date=YYYY-MM-DD: it
// hands schedule the event the Saturday rule would send that day at the
// hour (UTC), with a fresh event id, as a firing of the schedule, and
// answers 200 {"date", "eventId"} when the run returned, 400 for a missing
// date or one that is not a Saturday, 405 for another method and 500 when
// the run failed. Running a Saturday again is idempotent: each reminder is
// queued once. No token is asked for: it exists only on the local gateway.
func RunReminders(schedule Schedule, hourUTC int, logger *slog.Logger) http.Handler {
	return runSchedule(RemindersPath, "a Saturday", reminders.ParseSaturday, schedule, hourUTC, logger)
}

// ReportsDailyRunPath is the local-only route that runs the reports
// function's daily schedule (the weekly reports due that day):
// POST /_local/reports/daily-run?date=2026-03-02, today without a date.
const ReportsDailyRunPath = "/_local/reports/daily-run"

// RunDailyReports returns the handler of POST ReportsDailyRunPath[?date=]:
// it hands schedule the event the daily rule would send that day (today
// when no date is given) at the hour (UTC), as RunReminders does for the
// reminders, with the same answers. Running a day again sends nothing
// twice.
func RunDailyReports(schedule Schedule, hourUTC int, logger *slog.Logger) http.Handler {
	return runSchedule(ReportsDailyRunPath, "a day", func(s string) (time.Time, error) {
		if s == "" {
			return time.Now().UTC().Truncate(24 * time.Hour), nil
		}
		day, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, bo.Invalid("date must be YYYY-MM-DD", bo.FieldError{Field: "date", Message: "must be YYYY-MM-DD"})
		}
		return day, nil
	}, schedule, hourUTC, logger)
}

// runSchedule is the handler of a local route at path that runs a
// schedule for the day in ?date=, parsed by parse (which says what is
// wrong with it), at the hour (UTC).
func runSchedule(path, what string, parse func(string) (time.Time, error), schedule Schedule, hourUTC int, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, bo.EINVALID, "use POST "+path+"?date=YYYY-MM-DD")
			return
		}
		day, err := parse(r.URL.Query().Get("date"))
		if err != nil {
			writeError(w, http.StatusBadRequest, bo.EINVALID, bo.ErrorMessage(err)+" (POST "+path+"?date=YYYY-MM-DD, "+what+")")
			return
		}
		ev := scheduledEvent(day.Add(time.Duration(hourUTC) * time.Hour))
		if err := schedule(r.Context(), ev); err != nil {
			logger.Error("local schedule run failed", slog.String("path", path), slog.String("date", day.Format(time.DateOnly)), slog.String("error", err.Error()))
			writeError(w, http.StatusInternalServerError, bo.EINTERNAL, "the run failed: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"date": day.Format(time.DateOnly), "eventId": ev.ID})
	})
}

// EverySaturday stands in locally for the Saturday rule: it calls schedule
// every Saturday at the hour (UTC) until ctx ends. A failed run is logged;
// the next Saturday's goes on.
func EverySaturday(ctx context.Context, schedule Schedule, hourUTC int, logger *slog.Logger) error {
	for {
		next := nextSaturdayAt(time.Now().UTC(), hourUTC)
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		if err := schedule(ctx, scheduledEvent(next)); err != nil {
			logger.Error("reminders run failed", slog.Time("at", next), slog.String("error", err.Error()))
		}
	}
}

// nextSaturdayAt returns the first Saturday at the hour (UTC) after now.
func nextSaturdayAt(now time.Time, hourUTC int) time.Time {
	day := time.Date(now.Year(), now.Month(), now.Day(), hourUTC, 0, 0, 0, time.UTC)
	for day.Weekday() != time.Saturday || !day.After(now) {
		day = day.AddDate(0, 0, 1)
	}
	return day
}
