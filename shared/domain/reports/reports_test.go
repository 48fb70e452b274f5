package reports

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// group is a learner with their enrollments, as a fake source holds them.
type group struct {
	l  bo.Learner
	es []bo.Enrollment
}

// fakeSource holds each program's learners, in email order.
type fakeSource map[string][]group

func (s fakeSource) EachLearner(_ context.Context, programID string, f Filter, fn func(bo.Learner, []bo.Enrollment) error) error {
	for _, g := range s[programID] {
		var es []bo.Enrollment
		for _, e := range g.es {
			if (f.Type == "" || e.ItemType == f.Type) && (f.ItemID == "" || e.ItemID == f.ItemID) {
				es = append(es, e)
			}
		}
		if err := fn(g.l, es); err != nil {
			return err
		}
	}
	return nil
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

// readZip returns every file of a zip, in order, with its rows; it fails
// unless each starts with the UTF-8 byte-order mark.
func readZip(t *testing.T, b []byte) ([]string, map[string][][]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][][]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		names = append(names, f.Name)
		files[f.Name] = readCSV(t, f.Name, raw)
	}
	return names, files
}

func readCSV(t *testing.T, name string, raw []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(raw, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Errorf("%s does not start with the UTF-8 byte-order mark", name)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}

// world is a program of four learners on two contracts, one expired.
func world() (Input, fakeSource) {
	now := *at("2026-03-02T12:00:00Z")
	contracts := map[string]bo.Contract{
		"con_1": {ID: "con_1", Name: "Year 1 Contract 2026", StartsAt: *at("2026-01-01T00:00:00Z"), EndsAt: *at("2027-01-01T00:00:00Z")},
		"con_0": {ID: "con_0", Name: "Pilot 2025", StartsAt: *at("2025-01-01T00:00:00Z"), EndsAt: *at("2026-01-01T00:00:00Z")},
	}
	catalog := NewCatalog([]bo.Collection{{ID: "col_1", Name: "Data Literacy", Items: []bo.CatalogItem{
		{ID: "ai", Type: bo.ItemCourse, Name: "AI For Everyone", Slug: "ai-for-everyone", University: "deeplearning.ai"},
		{ID: "sql", Type: bo.ItemCourse, Name: "SQL", Slug: "sql", University: "Demo University"},
		{ID: "chain", Type: bo.ItemSpecialization, Name: "Blockchain Revolution", Slug: "blockchain-revolution-enterprise", University: "INSEAD", CourseIDs: []string{"ai", "sql"}},
	}}})
	p := Program{Program: bo.Program{ID: "prg_1", Name: "Learning Program", Slug: "program-1j8c4r"}, Catalog: catalog}
	ada := bo.Learner{ProgramID: "prg_1", Email: "Ada@Example.com", EmailKey: "ada@example.com", FullName: "Zoë Ada", ExternalID: "12345",
		State: bo.StateMember, ContractID: "con_1", InvitedAt: at("2019-09-04T19:45:08.947Z"), JoinedAt: at("2019-09-04T19:50:10.161Z"),
		LastActivityAt: at("2020-02-25T06:33:46Z")}
	bob := bo.Learner{ProgramID: "prg_1", Email: "bob@example.com", EmailKey: "bob@example.com", FullName: "=HYPERLINK(\"http://evil\")",
		ExternalID: "+44 20", State: bo.StateDeletedMember, ContractID: "con_1", JoinedAt: at("2020-01-01T00:00:00Z")}
	cy := bo.Learner{ProgramID: "prg_1", Email: "cy@example.com", EmailKey: "cy@example.com", FullName: "Cy", State: bo.StateInvited,
		ContractID: "con_1", InvitedAt: at("2026-02-01T00:00:00Z")}
	dee := bo.Learner{ProgramID: "prg_1", Email: "dee@example.com", EmailKey: "dee@example.com", FullName: "Dee", State: bo.StateMember,
		ContractID: "con_0", JoinedAt: at("2025-02-01T00:00:00Z")}
	src := fakeSource{"prg_1": {
		{ada, []bo.Enrollment{
			{ItemID: "ai", ItemType: bo.ItemCourse, ItemName: "AI For Everyone", CollectionID: "col_1", EnrolledAt: *at("2019-12-23T06:18:32.782Z"),
				LastActivityAt: at("2019-12-23T06:36:27Z"), Progress: 100, LearningMinutes: 17, Grade: ptr(88.25), CompletedAt: at("2019-12-23T06:36:27.751Z")},
			{ItemID: "chain", ItemType: bo.ItemSpecialization, ItemName: "Blockchain Revolution", CollectionID: "col_1",
				EnrolledAt: *at("2019-05-11T22:18:19.621Z"), LastActivityAt: at("2020-02-03T21:27:47Z")},
			{ItemID: "gone", ItemType: bo.ItemCourse, ItemName: "Retired Course", CollectionID: "col_deleted", EnrolledAt: *at("2020-01-06T08:00:00Z"), Progress: 12.8234},
		}},
		{bob, []bo.Enrollment{{ItemID: "sql", ItemType: bo.ItemCourse, ItemName: "SQL", EnrolledAt: *at("2020-01-02T00:00:00Z"), Progress: 60, LearningMinutes: 90}}},
		{cy, nil},
		{dee, []bo.Enrollment{{ItemID: "sql", ItemType: bo.ItemCourse, ItemName: "SQL", EnrolledAt: *at("2025-03-01T00:00:00Z"), Progress: 5}}},
	}}
	return Input{Programs: []Program{p}, Contracts: contracts, Scope: ScopeActive, Now: now}, src
}

func TestWriteReport(t *testing.T) {
	profile := []string{"", "", "", "", "", "", "", "", ""}
	tests := []struct {
		name    string
		scope   Scope
		member  [][]string
		usage   [][]string
		spec    [][]string
		summary Summary
	}{
		{
			name: "active contracts only", scope: ScopeActive,
			member: [][]string{
				append([]string{"Zoë Ada", "Ada@Example.com", "12345", "Learning Program", "program-1j8c4r", "2", "1", "MEMBER",
					"2019-09-04T19:50:10.161Z", "2019-09-04T19:45:08.947Z", "2020-02-25T06:33:46.000Z", "Year 1 Contract 2026"}, profile...),
				append([]string{`'=HYPERLINK("http://evil")`, "bob@example.com", "'+44 20", "Learning Program", "program-1j8c4r", "1", "0",
					"DELETED_MEMBER", "2020-01-01T00:00:00.000Z", "", "", "Year 1 Contract 2026"}, profile...),
				append([]string{"Cy", "cy@example.com", "", "Learning Program", "program-1j8c4r", "0", "0", "INVITED", "",
					"2026-02-01T00:00:00.000Z", "", "Year 1 Contract 2026"}, profile...),
			},
			usage: [][]string{
				append([]string{"Zoë Ada", "Ada@Example.com", "12345", "AI For Everyone", "ai", "ai-for-everyone", "deeplearning.ai",
					"2019-12-23T06:18:32.782Z", "", "2019-12-23T06:36:27.000Z", "100", "0.28", "Yes", "No", "program-1j8c4r",
					"Learning Program", "Data Literacy", "2019-12-23T06:36:27.751Z", "88.25", "Year 1 Contract 2026"}, profile...),
				append([]string{"Zoë Ada", "Ada@Example.com", "12345", "Retired Course", "gone", "", "",
					"2020-01-06T08:00:00.000Z", "", "", "12.82", "0", "No", "No", "program-1j8c4r",
					"Learning Program", "", "", "", "Year 1 Contract 2026"}, profile...),
				append([]string{`'=HYPERLINK("http://evil")`, "bob@example.com", "'+44 20", "SQL", "sql", "sql", "Demo University",
					"2020-01-02T00:00:00.000Z", "", "", "60", "1.5", "No", "Yes", "program-1j8c4r",
					"Learning Program", "", "", "", "Year 1 Contract 2026"}, profile...),
			},
			spec: [][]string{
				append([]string{"Zoë Ada", "Ada@Example.com", "12345", "Blockchain Revolution", "blockchain-revolution-enterprise", "INSEAD",
					"2019-05-11T22:18:19.621Z", "2020-02-03T21:27:47.000Z", "No", "No", "program-1j8c4r", "Learning Program",
					"Data Literacy", "", "Year 1 Contract 2026"}, profile...),
			},
			summary: Summary{TotalEnrollments: 3, UniqueLearners: 2, CurrentMembers: 1, RemovedMembers: 1, UniqueCourses: 3,
				CourseCompletions: 1, UniqueCompleters: 1, EstimatedHours: 1.78, HalfwayLearners: 2, JoinedNotEnrolled: 0,
				EnrolledNotCompleted: 1, EnrolledOneCourse: 1, CompletedOneCourse: 1, Rows: 7},
		},
		{
			name: "all time", scope: ScopeAllTime,
			summary: Summary{TotalEnrollments: 4, UniqueLearners: 3, CurrentMembers: 2, RemovedMembers: 1, UniqueCourses: 3,
				CourseCompletions: 1, UniqueCompleters: 1, EstimatedHours: 1.78, HalfwayLearners: 2, JoinedNotEnrolled: 0,
				EnrolledNotCompleted: 2, EnrolledOneCourse: 2, CompletedOneCourse: 1, Rows: 9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, src := world()
			in.Scope = tt.scope
			var buf bytes.Buffer
			var progress []Progress
			sum, err := Write(t.Context(), &buf, src, in, func(p Progress) { progress = append(progress, p) })
			if err != nil {
				t.Fatal(err)
			}
			if sum != tt.summary {
				t.Errorf("summary:\n got  %+v\n want %+v", sum, tt.summary)
			}
			names, files := readZip(t, buf.Bytes())
			if want := []string{MemberFile, UsageFile, SpecializationFile}; !slices.Equal(names, want) {
				t.Fatalf("files %v, want %v", names, want)
			}
			for name, header := range map[string][]string{MemberFile: MemberColumns, UsageFile: UsageColumns, SpecializationFile: SpecializationColumns} {
				if got := files[name][0]; !slices.Equal(got, header) {
					t.Errorf("%s header:\n got  %q\n want %q", name, got, header)
				}
				for i, row := range files[name] {
					if len(row) != len(header) {
						t.Errorf("%s row %d has %d cells, want %d", name, i, len(row), len(header))
					}
				}
			}
			for name, want := range map[string][][]string{MemberFile: tt.member, UsageFile: tt.usage, SpecializationFile: tt.spec} {
				if want == nil {
					continue
				}
				if got := files[name][1:]; !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("%s rows:\n got  %q\n want %q", name, got, want)
				}
			}
			if len(progress) != 0 {
				t.Errorf("progress called %d times for %d rows", len(progress), sum.Rows)
			}
		})
	}
}

func TestHeadersAreTheDocs(t *testing.T) {
	// docs/reports.md, word for word.
	want := map[string]string{
		"usage": "Name, Email, External Id, Course, Course ID, Course Slug, University, Enrollment Time, Class Start Time, " +
			"Last Course Activity Time, Overall Progress, Estimated Learning Hours, Completed, Removed From Program, " +
			"Program Slug, Program Name, Enrollment Source, Completion Time, Course Grades, Contract",
		"member": "Name, Email, External Id, Program Name, Program Slug, # Enrolled Courses, # Completed Courses, " +
			"Member State, Join Date, Invitation Date, Last Activity Time, Contract(s)",
		"specialisation": "Name, Email, External Id, Specialization, Specialization Slug, University, Enrollment Time, " +
			"Last Specialization Activity Time, Completed, Removed From Program, Program Slug, Program Name, " +
			"Enrollment Source, Specialization Completion Time, Contract",
	}
	profile := ", Manager Name, Manager Email, Job Title, Job Type, Business Unit, Business Unit 2, Location City, Location Country, Location Region"
	for name, cols := range map[string][]string{"usage": UsageColumns, "member": MemberColumns, "specialisation": SpecializationColumns} {
		if got := strings.Join(cols, ", "); got != want[name]+profile {
			t.Errorf("%s columns:\n got  %s\n want %s", name, got, want[name]+profile)
		}
	}
}

func TestWriteGradebook(t *testing.T) {
	in, src := world()
	in.Scope = ScopeAllTime
	var buf bytes.Buffer
	n, err := WriteGradebook(t.Context(), &buf, src, in, []string{"sql", "ai"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, GradebookFile, buf.Bytes())
	want := [][]string{
		GradebookColumns,
		{`'=HYPERLINK("http://evil")`, "bob@example.com", "'+44 20", "SQL", "sql", "60", "", "No", ""},
		{"Dee", "dee@example.com", "", "SQL", "sql", "5", "", "No", ""},
		{"Zoë Ada", "Ada@Example.com", "12345", "AI For Everyone", "ai", "100", "88.25", "Yes", "2019-12-23T06:36:27.751Z"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("gradebook:\n got  %q\n want %q", rows, want)
	}
	if n != 3 {
		t.Errorf("rows: got %d, want 3", n)
	}
}

func TestFormats(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 12.8234: "12.82", 100: "100", 0.5: "0.5", 88.255: "88.26"} {
		if got := number(in); got != want {
			t.Errorf("number(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{0: "0", 17: "0.28", 60: "1", 90: "1.5", 125: "2.08"} {
		if got := hours(in); got != want {
			t.Errorf("hours(%d) = %q, want %q", in, got, want)
		}
	}
	if got := formatTime(at("2019-12-23T07:18:32.782+01:00")); got != "2019-12-23T06:18:32.782Z" {
		t.Errorf("formatTime: %q", got)
	}
	if got := formatTime(nil); got != "" {
		t.Errorf("formatTime(nil) = %q", got)
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

func TestWriteReturnsTheWritersError(t *testing.T) {
	in, src := world()
	if _, err := Write(t.Context(), &failingWriter{n: 100}, src, in, nil); err == nil {
		t.Fatal("no error from a failing writer")
	}
}
