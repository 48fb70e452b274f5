package activity_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
)

func f(v float64) *float64 { return &v }
func n(v int) *int         { return &v }

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func at(h int) time.Time   { return t0.Add(time.Duration(h) * time.Hour) }
func atp(h int) *time.Time { t := at(h); return &t }

func fold(events ...activity.Event) activity.State {
	var s activity.State
	for _, e := range events {
		s = activity.Fold(s, e)
	}
	return s
}

func TestFold(t *testing.T) {
	tests := []struct {
		name   string
		events []activity.Event
		want   activity.State
	}{
		{"progress only grows", []activity.Event{{OccurredAt: at(1), Progress: f(40)}, {OccurredAt: at(2), Progress: f(30)}},
			activity.State{Progress: 40, LastActivityAt: atp(2)}},
		{"minutes are totals", []activity.Event{{OccurredAt: at(1), LearningMinutes: n(30)}, {OccurredAt: at(2), LearningMinutes: n(45)}, {OccurredAt: at(1), LearningMinutes: n(30)}},
			activity.State{LearningMinutes: 45, LastActivityAt: atp(2)}},
		{"the latest grade wins", []activity.Event{{OccurredAt: at(3), Grade: f(70)}, {OccurredAt: at(1), Grade: f(90)}},
			activity.State{Grade: f(70), GradeAt: atp(3), LastActivityAt: atp(3)}},
		{"completion is final and sets progress", []activity.Event{{OccurredAt: at(5), CompletedAt: atp(5)}, {OccurredAt: at(6), Progress: f(20)}, {OccurredAt: at(4), CompletedAt: atp(4)}},
			activity.State{Progress: 100, CompletedAt: atp(4), LastActivityAt: atp(6)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fold(tt.events...); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestFoldIgnoresOrderAndRepeats folds random events in many orders, each
// sometimes twice, and wants one state.
func TestFoldIgnoresOrderAndRepeats(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var events []activity.Event
	for i := range 12 {
		e := activity.Event{OccurredAt: at(r.IntN(48))}
		switch i % 4 {
		case 0:
			e.Progress = f(float64(r.IntN(101)))
		case 1:
			e.LearningMinutes = n(r.IntN(500))
		case 2:
			e.Grade = f(float64(r.IntN(101)))
		case 3:
			e.CompletedAt = atp(r.IntN(48))
		}
		events = append(events, e)
	}
	want := fold(events...)
	for range 200 {
		shuffled := append([]activity.Event(nil), events...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for i := range 5 {
			shuffled = append(shuffled, shuffled[r.IntN(len(events))+i*0])
		}
		if got := fold(shuffled...); !reflect.DeepEqual(got, want) {
			t.Fatalf("order changed the state: %+v, want %+v", got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := activity.Event{ProgramSlug: "data", Email: "jo@acme.edu", ItemID: "c1", OccurredAt: at(0)}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := activity.Event{Email: "nope", Progress: f(101), Grade: f(-1), LearningMinutes: n(-5)}
	var fields []string
	for _, d := range bo.ErrorDetails(bad.Validate()) {
		fields = append(fields, d.Field)
	}
	want := []string{"programSlug", "itemId", "email", "occurredAt", "progress", "learningMinutes", "grade"}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
}

func TestCompletes(t *testing.T) {
	if !activity.Completes([]string{"a", "b"}, map[string]bool{"a": true, "b": true, "c": true}) {
		t.Error("all courses done: not complete")
	}
	if activity.Completes([]string{"a", "b"}, map[string]bool{"a": true}) || activity.Completes(nil, map[string]bool{"a": true}) {
		t.Error("complete without every course")
	}
}
