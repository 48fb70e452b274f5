package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/domain/activity"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/trends"
)

// TestTrendRollupsUnderConcurrency joins four members at once, enrolls each
// in three courses at once, and records their activity events all at once,
// each event sent twice and out of order: the daily roll-ups of the org
// and the program must be exact, on the days the events say, and the
// roll-up items must land in no index.
func TestTrendRollupsUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	w, svc := catalogued(t) // jo@acme.edu joined
	// Activity days come from the events, bounded by the recorder's clock.
	now := time.Date(2026, 1, 7, 12, 0, 0, 0, time.UTC)
	dayA, dayB := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)
	rec := activity.NewRecorder(w.store)
	rec.Now = func() time.Time { return now }

	const learners = 4
	emails := make([]string, learners)
	for i := range emails {
		emails[i] = fmt.Sprintf("t%d@acme.edu", i)
	}
	each := func(n int, f func(i int)) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() { <-start; f(i) })
		}
		close(start)
		wg.Wait()
	}
	each(learners, func(i int) {
		if _, err := w.invites.Join(ctx, learner(emails[i]), w.program.Slug); err != nil {
			t.Errorf("join %s: %v", emails[i], err)
		}
	})
	each(3*learners, func(i int) {
		if _, err := svc.Enroll(ctx, learner(emails[i/3]), w.program.Slug, enroll.NewEnrollment{ItemID: fmt.Sprintf("c%d", i%3)}); err != nil {
			t.Errorf("enroll: %v", err)
		}
	})
	// Per learner: c0 on day A, 10, 25 then 40 minutes and completed; c1 on
	// day B, 5 then 30 minutes; c2, one event stamped after the clock (a
	// platform clock running ahead), 35 minutes, counted on the clock's day.
	// (One enrollment's events fall on one day: which of two days gets the
	// minutes an event adds depends on the order they are recorded in.)
	type ev struct {
		item    string
		at      time.Time
		minutes int
		done    bool
	}
	evs := []ev{{"c0", dayA, 10, false}, {"c0", dayA.Add(time.Hour), 25, false}, {"c0", dayA.Add(2 * time.Hour), 40, true},
		{"c1", dayB, 5, false}, {"c1", dayB.Add(time.Hour), 30, false}, {"c2", now.AddDate(0, 0, 3), 35, false}}
	var events []activity.Event
	for _, e := range emails {
		for j := len(evs) - 1; j >= 0; j-- { // newest first, each twice
			x := evs[j]
			m, at := x.minutes, x.at
			a := activity.Event{ProgramSlug: w.program.Slug, Email: e, ItemID: x.item, OccurredAt: at, LearningMinutes: &m}
			if x.done {
				a.CompletedAt = &at
			}
			events = append(events, a, a)
		}
	}
	each(len(events), func(i int) {
		if err := rec.Record(ctx, events[i]); err != nil {
			t.Errorf("record %+v: %v", events[i], err)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	today := time.Now() // joins and enrollments count on the store's clock
	for _, pid := range []string{"", w.program.ID} {
		days, err := w.store.TrendDays(ctx, w.org.ID, pid, dayA.AddDate(0, 0, -1), today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]trends.Counts{}
		var joins, enrollments int
		for _, d := range days {
			joins, enrollments = joins+d.Joins, enrollments+d.Enrollments
			d.Joins, d.Enrollments = 0, 0
			if d.Counts != (trends.Counts{}) {
				got[d.Date.Format(trends.DateLayout)] = d.Counts
			}
		}
		want := map[string]trends.Counts{
			"2026-01-05": {LearningMinutes: 40 * learners, Completions: learners},
			"2026-01-06": {LearningMinutes: 30 * learners},
			"2026-01-07": {LearningMinutes: 35 * learners},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || joins != learners+1 || enrollments != 3*learners {
			t.Errorf("program %q: activity %v, want %v; %d joins, want %d; %d enrollments, want %d",
				pid, got, want, joins, learners+1, enrollments, 3*learners)
		}
	}
	other, err := w.store.TrendDays(ctx, w.org.ID, "prg_other", dayA, today)
	if err != nil || len(other) != 0 {
		t.Errorf("another program's roll-ups: %v, %v", other, err)
	}

	// The roll-up items carry no index key: writing them costs no index write.
	pk, sk := dynamo.TrendKeyForTest(w.org.ID, w.program.ID, dayA)
	av, err := dynamo.ItemForTest(ctx, w.store, pk, sk)
	if err != nil || av == nil {
		t.Fatalf("roll-up item %s/%s: %v, %v", pk, sk, av, err)
	}
	var item map[string]any
	if err := attributevalue.UnmarshalMap(av, &item); err != nil {
		t.Fatal(err)
	}
	if n := resources.Table.IndexWrites(nil, item); len(n) != 0 {
		t.Errorf("a roll-up item lands in indexes: %v (%v)", n, item)
	}
}
