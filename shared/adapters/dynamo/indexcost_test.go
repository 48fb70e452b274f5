package dynamo_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
	"github.com/learnops/backoffice/shared/domain/admin"
)

// legacyTable is the table as it was before the projections were narrowed:
// GSI1 to GSI5 projected every attribute (GSI6 already included a few).
func legacyTable() resources.TableSpec {
	t := resources.Table
	t.Indexes = nil
	for _, ix := range resources.Table.Indexes {
		switch ix.Name {
		case resources.IndexLearnersByEnrollments, resources.IndexLearnersByCompletions:
			continue // added after, with their projections
		case resources.IndexProgramsByEmail:
		default:
			ix.Include = nil
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return t
}

// legacyActivityKey gives a learner item the GSI5 key the activity path
// used to write on every event: the exact millisecond of the latest of
// activity, joining and invitation.
func legacyActivityKey(t *testing.T, item map[string]any) map[string]any {
	t.Helper()
	item = maps.Clone(item)
	var latest int64
	for _, a := range []string{"lastActivityAt", "joinedAt", "invitedAt"} {
		if s, ok := item[a].(string); ok {
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatal(err)
			}
			latest = max(latest, at.UnixMilli())
		}
	}
	item[resources.AttrGSI5SK] = fmt.Sprintf("%013d#%s", latest, item["emailKey"])
	return item
}

// TestIndexWritesPerActivityEvent records a member's activity events
// through the activity path on the emulator, reads the learner and program
// items before and after each, and counts the index writes each event
// costs (resources.TableSpec.IndexWrites) under the table's projections
// and under the legacy ones (every attribute projected, GSI5 key rewritten
// on every event).
func TestIndexWritesPerActivityEvent(t *testing.T) {
	ctx := context.Background()
	w, _ := catalogued(t)
	rec := activity.NewRecorder(w.store)
	// A fixed time of day, ten days ago: the events below fall on two UTC
	// days whatever the date.
	now := time.Now().UTC()
	base := now.AddDate(0, 0, -10).Truncate(24 * time.Hour).Add(9 * time.Hour)
	hundred, from, to := 100, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)
	long, err := w.admin.CreateContract(ctx, w.boss, w.org.ID, admin.NewContract{Name: "Long", Licences: &hundred, StartsAt: &from, EndsAt: &to})
	if err != nil {
		t.Fatal(err)
	}
	email := "ixw@x.org"
	l := bo.Learner{OrgID: w.org.ID, ProgramID: w.program.ID, Email: email, EmailKey: email, FullName: "Ix W", State: bo.StateInvited,
		ContractID: long.ID, InvitationID: bo.NewID("inv", base), InvitedAt: &base, CreatedAt: base, UpdatedAt: base}
	if err := w.store.PutInvitationRow(ctx, l, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Join(ctx, l, base); err != nil {
		t.Fatal(err)
	}
	l, _ = w.store.GetLearner(ctx, w.program.ID, email)
	if err := w.store.Enroll(ctx, l, bo.Enrollment{OrgID: l.OrgID, ProgramID: l.ProgramID, EmailKey: email, ItemID: "c1",
		ItemType: bo.ItemCourse, ItemName: "c1", State: bo.Enrolled, EnrolledAt: base, CreatedAt: base, UpdatedAt: base}, 0); err != nil {
		t.Fatal(err)
	}
	lpk, lsk := dynamo.LearnerKeyForTest(w.program.ID, email)
	ppk, psk := dynamo.ProgramKeyForTest(w.org.ID, w.program.ID)
	read := func(pk, sk string) map[string]any {
		av, err := dynamo.ItemForTest(ctx, w.store, pk, sk)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := attributevalue.UnmarshalMap(av, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	total := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	type event struct {
		name      string
		after     time.Duration
		minutes   int
		completed bool
		// want and wantLegacy are the index writes of the learner and
		// program items together.
		want, wantLegacy int
	}
	events := []event{
		// The GSI5 key is the day of the latest of joining and activity:
		// events on the day of joining leave it.
		{"on the joining day", time.Hour, 5, false, 0, 7},
		{"same day again", 2 * time.Hour, 10, false, 0, 7},
		// GSI1-4, GSI7 and GSI8 project the GSI5 key (the inactivity
		// filters read it under every sort): the first event of a later
		// day moves it (GSI5 2 writes, the six others 1 each).
		{"first of the next day", 25 * time.Hour, 15, false, 8, 7},
		{"next day again", 26 * time.Hour, 20, false, 0, 7},
		{"next day, third", 27 * time.Hour, 25, false, 0, 7},
		// A completion changes the learner's completions and
		// lastCompletionMs, which the members view filters on (GSI1-5
		// and GSI7, one write each), the GSI8 key (by completions, two
		// writes), and the program's completions counter, which GSI1
		// projects for the learners' sake (one write).
		{"completion, same day", 28 * time.Hour, 30, true, 9, 7},
	}
	var sum, sumLegacy int
	for _, e := range events {
		beforeL, beforeP := read(lpk, lsk), read(ppk, psk)
		at := base.Add(e.after)
		minutes, progress := e.minutes, float64(e.minutes)
		ev := activity.Event{ProgramSlug: w.program.Slug, Email: email, ItemID: "c1", OccurredAt: at, Progress: &progress, LearningMinutes: &minutes}
		if e.completed {
			ev.CompletedAt = &at
		}
		if err := rec.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		afterL, afterP := read(lpk, lsk), read(ppk, psk)
		if afterL["lastActivityMs"] != float64(at.UnixMilli()) {
			t.Fatalf("%s: lastActivityMs %v, want %d", e.name, afterL["lastActivityMs"], at.UnixMilli())
		}
		got := resources.Table.IndexWrites(beforeL, afterL)
		gotProgram := resources.Table.IndexWrites(beforeP, afterP)
		legacy := legacyTable()
		gotLegacy := legacy.IndexWrites(legacyActivityKey(t, beforeL), legacyActivityKey(t, afterL))
		gotLegacyProgram := legacy.IndexWrites(beforeP, afterP)
		n, nLegacy := total(got)+total(gotProgram), total(gotLegacy)+total(gotLegacyProgram)
		t.Logf("%-22s index writes %d (learner %v, program %v); legacy %d (learner %v, program %v)",
			e.name, n, got, gotProgram, nLegacy, gotLegacy, gotLegacyProgram)
		if n != e.want || nLegacy != e.wantLegacy {
			t.Errorf("%s: %d index writes, legacy %d; want %d, legacy %d", e.name, n, nLegacy, e.want, e.wantLegacy)
		}
		sum, sumLegacy = sum+n, sumLegacy+nLegacy
	}
	t.Logf("%d events: %d index writes, legacy %d", len(events), sum, sumLegacy)
}
