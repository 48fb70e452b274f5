package local

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
)

func TestActivityFeedDeliversAsEventBridge(t *testing.T) {
	var got []events.EventBridgeEvent
	fail := error(nil)
	feed := ActivityFeed(func(_ context.Context, ev events.EventBridgeEvent) error {
		got = append(got, ev)
		return fail
	}, slog.New(slog.DiscardHandler))
	post := func(method, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		feed.ServeHTTP(rec, httptest.NewRequest(method, ActivityPath, strings.NewReader(body)))
		return rec
	}
	const detail = `{"programSlug":"data-skills","email":"jo@acme.edu","itemId":"c0","occurredAt":"2026-11-20T09:15:00Z","progress":40}`

	rec := post("POST", " "+detail+"\n")
	if rec.Code != http.StatusAccepted || len(got) != 1 {
		t.Fatalf("POST: %d %s, %d events", rec.Code, rec.Body, len(got))
	}
	ev := got[0]
	if ev.Source != activity.Source || ev.DetailType != activity.DetailType || ev.Version != "0" || ev.ID == "" ||
		ev.Time.IsZero() || string(ev.Detail) != detail {
		t.Errorf("event %+v (detail %s)", ev, ev.Detail)
	}
	var answer map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer["id"] != ev.ID || answer["recorded"] != true {
		t.Errorf("answer %s, want the event's id %s", rec.Body, ev.ID)
	}
	// The detail decodes as the activity function reads it.
	var e activity.Event
	if err := json.Unmarshal(ev.Detail, &e); err != nil || e.ProgramSlug != "data-skills" || e.Progress == nil || *e.Progress != 40 {
		t.Errorf("detail as an activity.Event: %+v, %v", e, err)
	}

	for _, tt := range []struct {
		method, body string
		status       int
	}{
		{"POST", "not json", http.StatusBadRequest},
		{"POST", `[1, 2]`, http.StatusBadRequest},
		{"POST", ``, http.StatusBadRequest},
		{"GET", ``, http.StatusMethodNotAllowed},
	} {
		got = nil
		if rec := post(tt.method, tt.body); rec.Code != tt.status || len(got) != 0 {
			t.Errorf("%s %q: %d (%d events), want %d and none", tt.method, tt.body, rec.Code, len(got), tt.status)
		}
	}
	// An event the activity function drops says so, with why.
	for _, tt := range []struct {
		err    error
		status int
	}{
		{bo.Errorf(bo.ENOTFOUND, "jo@acme.edu has no enrollment in c0"), http.StatusNotFound},
		{bo.Invalid("invalid progress: must be 0 to 100"), http.StatusBadRequest},
	} {
		fail = tt.err
		rec := post("POST", detail)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), "dropped") || !strings.Contains(rec.Body.String(), bo.ErrorMessage(tt.err)) {
			t.Errorf("a dropped event (%v): %d %s, want %d saying it was dropped and why", tt.err, rec.Code, rec.Body, tt.status)
		}
	}
	fail = errors.New("table down")
	if rec := post("POST", detail); rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "table down") {
		t.Errorf("a failing handler: %d %s", rec.Code, rec.Body)
	}
}

func TestDevServesTheActivityRouteBesideTheGateway(t *testing.T) {
	fed := 0
	d := Dev{Logger: slog.New(slog.DiscardHandler), Activity: func(context.Context, events.EventBridgeEvent) error { fed++; return nil }}
	h := d.handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", ActivityPath, strings.NewReader(`{"email":"jo@acme.edu"}`)))
	if rec.Code != http.StatusAccepted || fed != 1 {
		t.Fatalf("%s: %d, fed %d", ActivityPath, rec.Code, fed)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/anything", nil))
	if rec.Code != http.StatusNotFound || fed != 1 {
		t.Fatalf("another path: %d, fed %d; want the gateway's 404", rec.Code, fed)
	}
	d.Activity = nil
	rec = httptest.NewRecorder()
	d.handler().ServeHTTP(rec, httptest.NewRequest("POST", ActivityPath, strings.NewReader(`{}`)))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("without an activity handler, %s: %d, want 404", ActivityPath, rec.Code)
	}
}
