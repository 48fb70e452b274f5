package trends

import (
	"context"
	"reflect"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func day(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBucketStart(t *testing.T) {
	for _, tc := range []struct {
		at     string
		bucket Bucket
		want   string
	}{
		{"2026-03-04T23:59:59Z", Day, "2026-03-04"},
		{"2026-03-02T00:00:00Z", Week, "2026-03-02"}, // a Monday
		{"2026-03-08T12:00:00Z", Week, "2026-03-02"}, // its Sunday
		{"2026-03-09T00:00:00Z", Week, "2026-03-09"},
		{"2026-01-01T10:00:00Z", Week, "2025-12-29"}, // a week across years
		{"2026-02-28T10:00:00Z", Month, "2026-02-01"},
		{"2024-02-29T10:00:00Z", Month, "2024-02-01"},
		{"2026-03-01T00:00:00+02:00", Day, "2026-02-28"}, // UTC decides the day
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got := BucketStart(at, tc.bucket).Format(DateLayout); got != tc.want {
			t.Errorf("BucketStart(%s, %s) = %s, want %s", tc.at, tc.bucket, got, tc.want)
		}
	}
}

func TestBuild(t *testing.T) {
	days := []DayCounts{
		{Date: day("2026-02-27"), Counts: Counts{LearningMinutes: 1000}}, // before the range
		{Date: day("2026-03-01"), Counts: Counts{LearningMinutes: 30, Joins: 2}},
		{Date: day("2026-03-02"), Counts: Counts{LearningMinutes: 90, Enrollments: 1}},
		{Date: day("2026-03-08"), Counts: Counts{Completions: 1}},
		{Date: day("2026-03-09"), Counts: Counts{LearningMinutes: 20}},
		{Date: day("2026-04-02"), Counts: Counts{Joins: 1}},
		{Date: day("2026-04-10"), Counts: Counts{Joins: 7}}, // after the range
	}
	type pt struct {
		start, end string
		c          Counts
	}
	for _, tc := range []struct {
		name     string
		from, to string
		bucket   Bucket
		want     []pt
	}{
		{"days with gaps as zeros", "2026-03-01", "2026-03-03", Day, []pt{
			{"2026-03-01", "2026-03-01", Counts{LearningMinutes: 30, Joins: 2}},
			{"2026-03-02", "2026-03-02", Counts{LearningMinutes: 90, Enrollments: 1}},
			{"2026-03-03", "2026-03-03", Counts{}},
		}},
		{"weeks clipped to the range", "2026-03-01", "2026-03-10", Week, []pt{
			{"2026-03-01", "2026-03-01", Counts{LearningMinutes: 30, Joins: 2}}, // Sunday: the week of Feb 23, clipped
			{"2026-03-02", "2026-03-08", Counts{LearningMinutes: 90, Enrollments: 1, Completions: 1}},
			{"2026-03-09", "2026-03-10", Counts{LearningMinutes: 20}},
		}},
		{"months", "2026-03-01", "2026-04-05", Month, []pt{
			{"2026-03-01", "2026-03-31", Counts{LearningMinutes: 140, Enrollments: 1, Completions: 1, Joins: 2}},
			{"2026-04-01", "2026-04-05", Counts{Joins: 1}},
		}},
		{"one day", "2026-03-08", "2026-03-08", Month, []pt{
			{"2026-03-08", "2026-03-08", Counts{Completions: 1}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			points, totals := Build(days, Range{From: day(tc.from), To: day(tc.to), Bucket: tc.bucket})
			var got []pt
			var sum Counts
			for _, p := range points {
				got = append(got, pt{p.Start, p.End, p.Counts})
				sum.add(p.Counts)
				if p.LearningHours != hours(p.LearningMinutes) {
					t.Errorf("%s: %v hours for %d minutes", p.Start, p.LearningHours, p.LearningMinutes)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("points\n got %v\nwant %v", got, tc.want)
			}
			if totals.Counts != sum || totals.Start != tc.from || totals.End != tc.to {
				t.Errorf("totals %+v, want %+v over %s..%s", totals, sum, tc.from, tc.to)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	today := time.Date(2026, 3, 18, 22, 30, 0, 0, time.UTC) // a Wednesday
	for _, tc := range []struct {
		name          string
		q             Query
		from, to      string
		bucket        Bucket
		invalidFields []string
	}{
		{"defaults: 30 days to today", Query{}, "2026-02-17", "2026-03-18", Day, nil},
		{"weeks: 12 from a Monday", Query{Bucket: "week"}, "2025-12-29", "2026-03-18", Week, nil},
		{"months: 12 from a first", Query{Bucket: "month"}, "2025-04-01", "2026-03-18", Month, nil},
		{"defaults end on to", Query{To: "2026-01-31"}, "2026-01-02", "2026-01-31", Day, nil},
		{"as given", Query{From: "2026-01-01", To: "2026-01-01"}, "2026-01-01", "2026-01-01", Day, nil},
		{"the longest range", Query{From: "2024-01-01", To: "2025-12-31"}, "2024-01-01", "2025-12-31", Day, nil},
		{"too long", Query{From: "2024-01-01", To: "2026-01-01"}, "", "", "", []string{"to"}},
		{"backwards", Query{From: "2026-01-02", To: "2026-01-01"}, "", "", "", []string{"from"}},
		{"from after today", Query{From: "2026-03-19"}, "", "", "", []string{"from"}},
		{"bad everything", Query{From: "1/2/2026", To: "2026-13-01", Bucket: "year"}, "", "", "", []string{"bucket", "from", "to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseQuery(tc.q, today)
			if tc.invalidFields != nil {
				var fields []string
				for _, d := range bo.ErrorDetails(err) {
					fields = append(fields, d.Field)
				}
				if bo.ErrorCode(err) != bo.EINVALID || !reflect.DeepEqual(fields, tc.invalidFields) {
					t.Fatalf("err %v (fields %v), want EINVALID on %v", err, fields, tc.invalidFields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.From.Format(DateLayout) != tc.from || r.To.Format(DateLayout) != tc.to || r.Bucket != tc.bucket {
				t.Errorf("got %s..%s by %s, want %s..%s by %s", r.From.Format(DateLayout), r.To.Format(DateLayout), r.Bucket, tc.from, tc.to, tc.bucket)
			}
		})
	}
}

// fakes of the ports, as structs with function fields.
type fakeStore struct {
	days func(orgID, programID string, from, to time.Time) ([]DayCounts, error)
}

func (f fakeStore) TrendDays(_ context.Context, orgID, programID string, from, to time.Time) ([]DayCounts, error) {
	return f.days(orgID, programID, from, to)
}

type fakeAuth struct {
	admin bo.Admin
	err   error
}

func (f fakeAuth) AuthorizeOrg(context.Context, bo.Caller, string) (bo.Admin, error) {
	return f.admin, f.err
}
func (f fakeAuth) AuthorizeProgram(_ context.Context, _ bo.Caller, orgID, programID string) (bo.Program, error) {
	if f.err != nil {
		return bo.Program{}, f.err
	}
	if !f.admin.CanAdminister(programID) {
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "program %s not found", programID)
	}
	return bo.Program{ID: programID, OrgID: orgID}, nil
}

var (
	_ Store      = fakeStore{}
	_ Authorizer = fakeAuth{}
)

func TestSeriesAccess(t *testing.T) {
	orgAdmin := bo.Admin{Role: bo.RoleOrgAdmin}
	progAdmin := bo.Admin{Role: bo.RoleProgramAdmin, ProgramIDs: []string{"p1"}}
	for _, tc := range []struct {
		name    string
		auth    fakeAuth
		program string
		code    string
	}{
		{"org admin, org", fakeAuth{admin: orgAdmin}, "", ""},
		{"org admin, a program", fakeAuth{admin: orgAdmin}, "p2", ""},
		{"program admin, theirs", fakeAuth{admin: progAdmin}, "p1", ""},
		{"program admin, another", fakeAuth{admin: progAdmin}, "p2", bo.ENOTFOUND},
		{"program admin, the org", fakeAuth{admin: progAdmin}, "", bo.EFORBIDDEN},
		{"another org's admin", fakeAuth{err: bo.Errorf(bo.EFORBIDDEN, "not an admin")}, "p1", bo.EFORBIDDEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := 0
			svc := NewService(fakeStore{days: func(orgID, programID string, from, to time.Time) ([]DayCounts, error) {
				read++
				if programID != tc.program || orgID != "o1" {
					t.Errorf("read %s/%s", orgID, programID)
				}
				return []DayCounts{{Date: to, Counts: Counts{Joins: 1}}}, nil
			}}, tc.auth)
			svc.Now = func() time.Time { return day("2026-03-18") }
			s, err := svc.Series(context.Background(), bo.Caller{}, "o1", Query{ProgramID: tc.program})
			if bo.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("err %v, want %q", err, tc.code)
			}
			if tc.code != "" {
				if read != 0 {
					t.Error("a refused caller's query read the roll-ups")
				}
				return
			}
			if len(s.Points) != 30 || s.Totals.Joins != 1 || s.Points[29].Joins != 1 || s.To != "2026-03-18" {
				t.Errorf("series %+v", s)
			}
		})
	}
}
