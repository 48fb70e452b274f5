package members_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// fakeStore is the service's store: learners streamed by a function.
type fakeStore struct {
	members.Store
	stream func(ctx context.Context, q bo.MemberQuery, fn func([]bo.Learner) error) error
}

func (f fakeStore) CountMembers(context.Context, string, bo.MemberQuery) (members.Count, error) {
	return members.Count{}, errors.New("not used")
}

// ListContracts names the contract con_1 "Seats 2026".
func (f fakeStore) ListContracts(context.Context, string, bo.Page) ([]bo.Contract, string, error) {
	return []bo.Contract{{ID: "con_1", Name: "Seats 2026"}}, "", nil
}

func (f fakeStore) ListMembers(context.Context, string, bo.MemberQuery) (bo.MemberPage, error) {
	return bo.MemberPage{}, errors.New("not used")
}

func (f fakeStore) StreamMembers(ctx context.Context, _ string, q bo.MemberQuery, fn func([]bo.Learner) error) error {
	return f.stream(ctx, q, fn)
}

// fakeAuth lets the admin of org_1 administer its program prg_1 (slug
// data-skills); anyone else gets a 404.
type fakeAuth struct{}

func (fakeAuth) AuthorizeProgram(_ context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error) {
	if caller.Subject != "boss" || orgID != "org_1" || programID != "prg_1" {
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "program %s not found", programID)
	}
	return bo.Program{ID: programID, OrgID: orgID, Slug: "data-skills"}, nil
}

// fakeExports is the export store.
type fakeExports struct {
	create func(members.Export) error
	get    func(programID, exportID string) (members.Export, error)
	start  func(members.Export) error
	update func(members.Export) error
}

func (f *fakeExports) CreateExport(_ context.Context, e members.Export) error { return f.create(e) }
func (f *fakeExports) GetExport(_ context.Context, p, id string) (members.Export, error) {
	return f.get(p, id)
}
func (f *fakeExports) StartExport(_ context.Context, e members.Export) error  { return f.start(e) }
func (f *fakeExports) UpdateExport(_ context.Context, e members.Export) error { return f.update(e) }

// fakeFiles is the bucket.
type fakeFiles struct {
	writer  func(ctx context.Context, key string) io.WriteCloser
	presign func(key string, ttl time.Duration, name string) (string, time.Time, error)
}

func (f *fakeFiles) Writer(ctx context.Context, key, _ string) io.WriteCloser {
	return f.writer(ctx, key)
}
func (f *fakeFiles) PresignGet(_ context.Context, key string, ttl time.Duration, name string) (string, time.Time, error) {
	return f.presign(key, ttl, name)
}

// fakeWork is the work queue.
type fakeWork struct{ send func(item any) error }

func (f fakeWork) Send(_ context.Context, item any) error { return f.send(item) }

// memFile is an upload in memory: closed once, abandoned when its context
// ends first.
type memFile struct {
	ctx       context.Context
	body      strings.Builder
	closed    bool
	abandoned bool
}

func (m *memFile) Write(p []byte) (int, error) { return m.body.Write(p) }
func (m *memFile) Close() error {
	m.closed = true
	if m.ctx.Err() != nil {
		m.abandoned = true
		return m.ctx.Err()
	}
	return nil
}

// exportWorld is an exporter over fakes, with the exports kept in a map
// whose start and update honour the run that holds each export, as the
// table does.
type exportWorld struct {
	x       *members.Exporter
	exports map[string]members.Export
	sent    []members.WorkItem
	files   map[string]*memFile
	store   *fakeExports
	bucket  *fakeFiles
	work    *fakeWork
	learner func(i int) bo.Learner
	total   int
	// fail, when set, is the store's error once failAt learners are read.
	fail   error
	failAt int
}

func newExportWorld(t *testing.T, total int) *exportWorld {
	t.Helper()
	w := &exportWorld{exports: map[string]members.Export{}, files: map[string]*memFile{}, total: total}
	w.learner = func(i int) bo.Learner {
		return bo.Learner{OrgID: "org_1", Email: fmt.Sprintf("l%05d@acme.edu", i), FullName: fmt.Sprintf("Learner %d", i), State: bo.StateMember}
	}
	view := fakeStore{stream: func(ctx context.Context, q bo.MemberQuery, fn func([]bo.Learner) error) error {
		for i := 0; i < w.total; i += 500 {
			if w.fail != nil && i >= w.failAt {
				return w.fail
			}
			var batch []bo.Learner
			for j := i; j < min(i+500, w.total); j++ {
				batch = append(batch, w.learner(j))
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(batch); err != nil {
				return err
			}
		}
		return nil
	}}
	svc := members.NewService(view, fakeAuth{}, nil, "https://learn.example.com")
	svc.Now = func() time.Time { return now }
	w.store = &fakeExports{
		create: func(e members.Export) error { w.exports[e.ID] = e; return nil },
		get: func(_, id string) (members.Export, error) {
			e, ok := w.exports[id]
			if !ok {
				return e, bo.Errorf(bo.ENOTFOUND, "export %s not found", id)
			}
			return e, nil
		},
		start: func(e members.Export) error {
			if old, ok := w.exports[e.ID]; !ok || old.Status == members.ExportDone || old.Status == members.ExportFailed {
				return bo.Errorf(bo.ECONFLICT, "finished")
			}
			w.exports[e.ID] = e
			return nil
		},
		update: func(e members.Export) error {
			if old := w.exports[e.ID]; old.Status != members.ExportRunning || old.RunID != e.RunID {
				return bo.Errorf(bo.ECONFLICT, "taken over")
			}
			w.exports[e.ID] = e
			return nil
		},
	}
	w.bucket = &fakeFiles{
		writer: func(ctx context.Context, key string) io.WriteCloser {
			f := &memFile{ctx: ctx}
			w.files[key] = f
			return f
		},
		presign: func(key string, ttl time.Duration, name string) (string, time.Time, error) {
			return "https://files.example.com/" + key + "?name=" + name + "&ttl=" + ttl.String(), now.Add(ttl), nil
		},
	}
	w.work = &fakeWork{send: func(item any) error { w.sent = append(w.sent, item.(members.WorkItem)); return nil }}
	w.x = members.NewExporter(svc, w.store, w.bucket, w.work)
	return w
}

var boss = bo.Caller{Subject: "boss", Email: "boss@acme.edu", EmailVerified: true}

func (w *exportWorld) handle(t *testing.T, ctx context.Context, id string) error {
	t.Helper()
	body, _ := json.Marshal(members.WorkItem{Kind: members.WorkMemberExport, OrgID: "org_1", ProgramID: "prg_1", ExportID: id})
	return w.x.Handle(ctx, string(body))
}

func TestCreateChecksTheSelectionAsTheView(t *testing.T) {
	tests := []struct {
		name      string
		caller    bo.Caller
		sel       members.Selection
		wantCode  string
		wantField string
		want      members.Selection
	}{
		{name: "defaults", caller: boss, sel: members.Selection{},
			want: members.Selection{Status: bo.MemberJoined, Sort: bo.MembersByName, Order: "asc", Columns: members.Columns}},
		{name: "all of it", caller: boss,
			sel: members.Selection{Status: bo.MemberInactive90, Sort: bo.MembersByJoined, Order: "desc", Search: "  MA ", ContractID: "con_1",
				CourseID: "c1", Columns: []string{"status", "joinDate"}},
			want: members.Selection{Status: bo.MemberInactive90, Sort: bo.MembersByJoined, Order: "desc", Search: "ma", ContractIDs: []string{"con_1"},
				CourseIDs: []string{"c1"}, Columns: []string{"status", "joinDate"}}},
		{name: "several contracts and courses, each once", caller: boss,
			sel: members.Selection{ContractID: "con_1", ContractIDs: []string{"con_2", "con_1", " "}, CourseIDs: []string{"c1", "c2"}},
			want: members.Selection{Status: bo.MemberJoined, Sort: bo.MembersByName, Order: "asc", ContractIDs: []string{"con_1", "con_2"},
				CourseIDs: []string{"c1", "c2"}, Columns: members.Columns}},
		{name: "too many contracts", caller: boss, sel: members.Selection{ContractIDs: manyIDs(members.MaxFilterIDs + 1)},
			wantCode: bo.EINVALID, wantField: "contractId"},
		{name: "unknown status", caller: boss, sel: members.Selection{Status: "everyone"}, wantCode: bo.EINVALID, wantField: "status"},
		{name: "sorted by enrollments", caller: boss, sel: members.Selection{Sort: bo.MembersByEnrollments, Order: "desc"},
			want: members.Selection{Status: bo.MemberJoined, Sort: bo.MembersByEnrollments, Order: "desc", Columns: members.Columns}},
		{name: "sorted by completions", caller: boss, sel: members.Selection{Status: bo.MemberNoCompletions, Sort: bo.MembersByCompletions},
			want: members.Selection{Status: bo.MemberNoCompletions, Sort: bo.MembersByCompletions, Order: "asc", Columns: members.Columns}},
		{name: "unknown sort", caller: boss, sel: members.Selection{Sort: "age"}, wantCode: bo.EINVALID, wantField: "sort"},
		{name: "a sort in another case", caller: boss, sel: members.Selection{Sort: "Enrollments"}, wantCode: bo.EINVALID, wantField: "sort"},
		{name: "unknown order", caller: boss, sel: members.Selection{Order: "up"}, wantCode: bo.EINVALID, wantField: "order"},
		{name: "unknown column", caller: boss, sel: members.Selection{Columns: []string{"salary"}}, wantCode: bo.EINVALID, wantField: "columns"},
		{name: "not an admin", caller: bo.Caller{Subject: "eve"}, sel: members.Selection{}, wantCode: bo.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newExportWorld(t, 0)
			e, err := w.x.Create(context.Background(), tt.caller, "org_1", "prg_1", tt.sel)
			if tt.wantCode != "" {
				details := bo.ErrorDetails(err)
				if bo.ErrorCode(err) != tt.wantCode || (tt.wantField != "" && (len(details) == 0 || details[0].Field != tt.wantField)) {
					t.Fatalf("error %v (%v), want %s naming %q", err, details, tt.wantCode, tt.wantField)
				}
				if len(w.exports) != 0 || len(w.sent) != 0 {
					t.Fatalf("a refused export was stored (%d) or queued (%d)", len(w.exports), len(w.sent))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(e.Selection) != fmt.Sprint(tt.want) || e.Status != members.ExportQueued || e.CreatedBy != "boss" ||
				!e.ExpiresAt.Equal(now.Add(members.ExportLifetime)) {
				t.Fatalf("export %+v, want selection %+v", e, tt.want)
			}
			if fmt.Sprint(w.exports[e.ID]) != fmt.Sprint(e) {
				t.Errorf("stored %+v, answered %+v", w.exports[e.ID], e)
			}
			want := members.WorkItem{Kind: members.WorkMemberExport, OrgID: "org_1", ProgramID: "prg_1", ExportID: e.ID}
			if len(w.sent) != 1 || w.sent[0] != want {
				t.Errorf("work items %+v, want %+v", w.sent, want)
			}
		})
	}
}

func TestCreateThatCannotBeQueuedFails(t *testing.T) {
	w := newExportWorld(t, 0)
	w.work.send = func(any) error { return errors.New("queue down") }
	if _, err := w.x.Create(context.Background(), boss, "org_1", "prg_1", members.Selection{}); err == nil {
		t.Fatal("no error")
	}
	for _, e := range w.exports {
		if e.Status != members.ExportFailed || e.Error == "" {
			t.Errorf("export left %+v", e)
		}
	}
}

func TestHandleWritesTheWholeSelection(t *testing.T) {
	w := newExportWorld(t, 4321)
	w.learner = func(i int) bo.Learner {
		l := bo.Learner{Email: fmt.Sprintf("l%05d@acme.edu", i), FullName: fmt.Sprintf("Learner %d", i), State: bo.StateMember}
		if i == 7 {
			l.FullName = "@SUM(A1)"
		}
		return l
	}
	var progress []int
	update := w.store.update
	w.store.update = func(e members.Export) error {
		if e.Status == members.ExportRunning {
			progress = append(progress, e.Rows)
		}
		return update(e)
	}
	e, err := w.x.Create(context.Background(), boss, "org_1", "prg_1", members.Selection{Columns: []string{"status"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.handle(t, context.Background(), e.ID); err != nil {
		t.Fatal(err)
	}
	got := w.exports[e.ID]
	f := w.files[got.FileKey]
	if got.Status != members.ExportDone || got.Rows != 4321 || f == nil || !f.closed || f.abandoned || got.Size != int64(f.body.Len()) {
		t.Fatalf("export %+v, file %+v", got, f)
	}
	if !strings.HasPrefix(got.FileKey, "exports/prg_1/"+e.ID+"/run_") || !strings.HasSuffix(got.FileKey, ".csv") {
		t.Errorf("file key %q", got.FileKey)
	}
	lines := strings.Split(strings.TrimSuffix(f.body.String(), "\n"), "\n")
	if len(lines) != 4322 || lines[0] != "Learner,Email,Status" || lines[8] != "'@SUM(A1),l00007@acme.edu,MEMBER" {
		t.Errorf("%d lines: %q, %q", len(lines), lines[0], lines[8])
	}
	if fmt.Sprint(progress) != "[2000 4000]" {
		t.Errorf("progress recorded at %v rows, want [2000 4000]", progress)
	}

	// A redelivery of a finished export does nothing.
	files := len(w.files)
	if err := w.handle(t, context.Background(), e.ID); err != nil || len(w.files) != files || fmt.Sprint(w.exports[e.ID]) != fmt.Sprint(got) {
		t.Fatalf("a redelivery for a done export: %v, %d files, %+v", err, len(w.files), w.exports[e.ID])
	}
	// So does one for an export that is gone.
	if err := w.handle(t, context.Background(), "exp_gone"); err != nil {
		t.Fatal(err)
	}
	// And an item that is not an export is refused.
	if err := w.x.Handle(context.Background(), `{"kind":"delete-program"}`); err == nil {
		t.Fatal("another kind was taken")
	}
}

func TestHandleRestartsARunningExportAndTheTakenOverRunStops(t *testing.T) {
	w := newExportWorld(t, 3000)
	e, _ := w.x.Create(context.Background(), boss, "org_1", "prg_1", members.Selection{})
	// The first run is overtaken by a second delivery at its first record of
	// progress: it stops and abandons its file.
	update := w.store.update
	w.store.update = func(x members.Export) error {
		w.store.update = update
		second := w.exports[e.ID]
		second.RunID = "run_later"
		w.exports[e.ID] = second
		return update(x)
	}
	if err := w.handle(t, context.Background(), e.ID); err != nil {
		t.Fatal(err)
	}
	if len(w.files) != 1 {
		t.Fatalf("%d files", len(w.files))
	}
	for _, f := range w.files {
		if !f.abandoned {
			t.Errorf("the overtaken run's file was not abandoned")
		}
	}
	if got := w.exports[e.ID]; got.Status != members.ExportRunning || got.RunID != "run_later" {
		t.Fatalf("the overtaken run wrote the export: %+v", got)
	}
	// A delivery for an export still marked running starts it again, whole.
	if err := w.handle(t, context.Background(), e.ID); err != nil {
		t.Fatal(err)
	}
	got := w.exports[e.ID]
	if got.Status != members.ExportDone || got.Rows != 3000 || got.RunID == "run_later" || w.files[got.FileKey] == nil || len(w.files) != 2 {
		t.Fatalf("the second run: %+v, %d files", got, len(w.files))
	}
}

func TestHandleRecordsFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *exportWorld) (context.Context, context.CancelFunc)
		want  string
	}{
		{name: "the store fails", setup: func(w *exportWorld) (context.Context, context.CancelFunc) {
			w.fail, w.failAt = errors.New("table down"), 1500
			return context.WithCancel(context.Background())
		}, want: "the export stopped after 1500 rows: internal error; create it again"},
		{name: "out of time", setup: func(w *exportWorld) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			learner := w.learner
			w.learner = func(i int) bo.Learner {
				if i == 1000 {
					cancel()
				}
				return learner(i)
			}
			return ctx, cancel
		}, want: "the export stopped after 1000 rows: it ran out of time; create it again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newExportWorld(t, 3000)
			ctx, cancel := tt.setup(w)
			defer cancel()
			e, _ := w.x.Create(context.Background(), boss, "org_1", "prg_1", members.Selection{})
			if err := w.handle(t, ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			got := w.exports[e.ID]
			if got.Status != members.ExportFailed || got.Error != tt.want || got.FinishedAt == nil {
				t.Fatalf("export %+v, want failed with %q", got, tt.want)
			}
			if f := w.files[got.FileKey]; f == nil || !f.abandoned {
				t.Errorf("the failed run's file was not abandoned: %+v", f)
			}
		})
	}
}

func TestGet(t *testing.T) {
	w := newExportWorld(t, 10)
	e, _ := w.x.Create(context.Background(), boss, "org_1", "prg_1", members.Selection{})
	ctx := context.Background()
	if got, err := w.x.Get(ctx, boss, "org_1", "prg_1", e.ID); err != nil || got.Status != members.ExportQueued || got.DownloadURL != "" {
		t.Fatalf("a queued export: %+v, %v", got, err)
	}
	if _, err := w.x.Get(ctx, bo.Caller{Subject: "eve"}, "org_1", "prg_1", e.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("someone else: %v", err)
	}
	if err := w.handle(t, ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	got, err := w.x.Get(ctx, boss, "org_1", "prg_1", e.ID)
	if err != nil || got.Status != members.ExportDone || got.DownloadExpiresAt == nil || !got.DownloadExpiresAt.Equal(now.Add(24*time.Hour)) ||
		got.DownloadURL != "https://files.example.com/"+got.FileKey+"?name=members-data-skills-2026-11-23.csv&ttl=24h0m0s" {
		t.Fatalf("a done export: %+v, %v", got, err)
	}

	// Within a day of its expiry the link lasts until then; after, the
	// export is gone.
	stored := w.exports[e.ID]
	stored.ExpiresAt = now.Add(time.Hour)
	w.exports[e.ID] = stored
	if got, _ := w.x.Get(ctx, boss, "org_1", "prg_1", e.ID); !got.DownloadExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("link of an export expiring in an hour lasts until %v", got.DownloadExpiresAt)
	}
	stored.ExpiresAt = now
	w.exports[e.ID] = stored
	if _, err := w.x.Get(ctx, boss, "org_1", "prg_1", e.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Errorf("an expired export: %v", err)
	}

	// An export of another org is not found; a running one without progress
	// for too long is shown as failed.
	other := stored
	other.ID, other.OrgID, other.ExpiresAt = "exp_other", "org_2", now.Add(time.Hour)
	w.exports[other.ID] = other
	if _, err := w.x.Get(ctx, boss, "org_1", "prg_1", other.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Errorf("another org's export: %v", err)
	}
	stale := stored
	stale.ID, stale.Status, stale.Rows, stale.ExpiresAt = "exp_stale", members.ExportRunning, 4000, now.Add(time.Hour)
	stale.UpdatedAt = now.Add(-members.ExportStaleAfter - time.Second)
	w.exports[stale.ID] = stale
	if got, _ := w.x.Get(ctx, boss, "org_1", "prg_1", stale.ID); got.Status != members.ExportFailed ||
		got.Error != "the export stopped after 4000 rows; create it again" {
		t.Errorf("a stale export: %+v", got)
	}
}

// manyIDs returns n distinct contract ids.
func manyIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("con_", i)
	}
	return out
}
