package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

type dropMail struct{}

func (dropMail) Publish(context.Context, []mail.Message) error { return nil }

// TestSampleEventsInAnyOrder replays events/activity (completion before
// progress, each twice) for a member enrolled in the course and in a
// specialisation of it and one more course, and wants the same state as in
// order, the specialisation still open, and the counters moved once.
func TestSampleEventsInAnyOrder(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	items := []bo.CatalogItem{
		{ID: "c0", Type: bo.ItemCourse, Name: "Course 0"}, {ID: "c1", Type: bo.ItemCourse, Name: "Course 1"},
		{ID: "spec", Type: bo.ItemSpecialization, Name: "Spec", CourseIDs: []string{"c0", "c1"}},
	}
	if _, err := w.Admin.CreateCollection(ctx, w.Boss, w.Org.ID, w.Program.ID, admin.NewCollection{Name: "All", Items: items}); err != nil {
		t.Fatal(err)
	}
	jo := wiretest.Member(t, w, "Jo@ACME.edu")
	svc := enroll.NewService(w.Store, dropMail{}, "https://learn.example.com")
	for _, id := range []string{"c0", "spec"} {
		if _, err := svc.Enroll(ctx, jo, w.Program.Slug, enroll.NewEnrollment{ItemID: id}); err != nil {
			t.Fatal(err)
		}
	}
	h := wire.Activity(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadActivity), slog.New(slog.DiscardHandler))
	for _, file := range []string{"completion.json", "progress.json", "completion.json", "progress.json"} {
		var ev events.EventBridgeEvent
		w.Event(t, "activity", file, &ev, map[string]string{"slug_x": w.Program.Slug})
		if err := h(ctx, ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	list, _ := w.Store.ListEnrollments(ctx, w.Program.ID, "jo@acme.edu")
	byItem := map[string]bo.Enrollment{}
	for _, e := range list {
		byItem[e.ItemID] = e
	}
	c0 := byItem["c0"]
	if c0.Progress != 100 || c0.LearningMinutes != 95 || c0.Grade == nil || *c0.Grade != 88.5 || c0.CompletedAt == nil ||
		c0.LastActivityAt == nil || c0.LastActivityAt.Format("2006-01-02T15:04:05") != "2026-11-21T18:02:11" {
		t.Fatalf("c0 = %+v", c0)
	}
	if byItem["spec"].CompletedAt != nil {
		t.Fatalf("the specialisation completed with one of its two courses: %+v", byItem["spec"])
	}
	p, _ := w.Store.GetProgram(ctx, w.Org.ID, w.Program.ID)
	l, _ := w.Store.GetLearner(ctx, w.Program.ID, "jo@acme.edu")
	if p.Counts.Completions != 1 || p.Counts.LearningMinutes != 95 || l.Completions != 1 || l.LastActivityAt == nil {
		t.Fatalf("program counts %+v, learner completions %d last activity %v", p.Counts, l.Completions, l.LastActivityAt)
	}

	// Completing the other course completes the specialisation.
	if _, err := svc.Enroll(ctx, jo, w.Program.Slug, enroll.NewEnrollment{ItemID: "c1"}); err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	w.Event(t, "activity", "completion.json", &ev, map[string]string{"slug_x": w.Program.Slug, `"itemId": "c0"`: `"itemId": "c1"`})
	if err := h(ctx, ev); err != nil {
		t.Fatal(err)
	}
	spec, _ := w.Store.GetEnrollment(ctx, w.Program.ID, "jo@acme.edu", "spec")
	if spec.CompletedAt == nil {
		t.Fatalf("the specialisation did not complete with both courses: %+v", spec)
	}

	// Events that can never be recorded are dropped, not retried.
	w.Event(t, "activity", "progress.json", &ev, map[string]string{"slug_x": w.Program.Slug, `"itemId": "c0"`: `"itemId": "nope"`})
	if err := h(ctx, ev); err != nil {
		t.Fatalf("an event for no enrollment was not dropped: %v", err)
	}
}
