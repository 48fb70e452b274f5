package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// memStore is a Store over a table of n items per segment held in memory:
// each migration changes every item once (a set of item numbers), a page
// at a time. Its function fields, when set, replace a method.
type memStore struct {
	mu       sync.Mutex
	ids      []string
	perSeg   int
	progress map[string]*Progress
	changed  map[string]map[string]bool
	// AdvanceFn, when set, runs before AdvanceMigration and may fail it.
	AdvanceFn func(id string, segment int, page Page) error
}

var _ Store = (*memStore)(nil)

func newMemStore(perSeg int, ids ...string) *memStore {
	return &memStore{ids: ids, perSeg: perSeg, progress: map[string]*Progress{}, changed: map[string]map[string]bool{}}
}

func (m *memStore) Migrations() []Migration {
	var out []Migration
	for _, id := range m.ids {
		out = append(out, Migration{ID: id})
	}
	return out
}

func (m *memStore) StartMigration(_ context.Context, id string, segments int, at time.Time) (Progress, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.progress[id]; ok {
		return clone(*p), nil
	}
	m.progress[id] = &Progress{ID: id, Status: Running, Cursors: make([]string, segments), StartedAt: at}
	m.changed[id] = map[string]bool{}
	return clone(*m.progress[id]), nil
}

func clone(p Progress) Progress { p.Cursors = slices.Clone(p.Cursors); return p }

func (m *memStore) MigratePage(_ context.Context, id string, segment, _ int, cursor string, limit int) (Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	from := 0
	if cursor != "" {
		from, _ = strconv.Atoi(cursor)
	}
	to := min(from+limit, m.perSeg)
	page := Page{Scanned: to - from, Next: strconv.Itoa(to)}
	for i := from; i < to; i++ {
		item := fmt.Sprint(segment, "/", i)
		if !m.changed[id][item] { // the conditional write
			m.changed[id][item] = true
			page.Changed++
		}
	}
	if to == m.perSeg {
		page.Next = SegmentDone
	}
	return page, nil
}

func (m *memStore) AdvanceMigration(_ context.Context, id string, segment int, from string, page Page, _ time.Time) error {
	if m.AdvanceFn != nil {
		if err := m.AdvanceFn(id, segment, page); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.progress[id]
	if p.Cursors[segment] != from {
		return bo.Errorf(bo.ECONFLICT, "moved")
	}
	p.Cursors[segment] = page.Next
	p.Scanned += page.Scanned
	p.Changed += page.Changed
	return nil
}

func (m *memStore) FinishMigration(_ context.Context, id string, at time.Time) (Progress, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.progress[id]
	for _, c := range p.Cursors {
		if c != SegmentDone {
			return clone(*p), bo.Errorf(bo.ECONFLICT, "running")
		}
	}
	p.Status, p.FinishedAt = Done, &at
	return clone(*p), nil
}

func (m *memStore) MigrationProgress(_ context.Context, id string) (Progress, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.progress[id]; ok {
		return clone(*p), nil
	}
	return Progress{ID: id, Status: Pending}, nil
}

func TestRunner(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		only     string
		cfg      Config
		advance  func(calls int, id string, page Page) error
		wantCode string
		// want is each migration run: status and changed.
		want []string
	}{
		{name: "every migration, in ID order", cfg: Config{Segments: 3, PageSize: 4},
			want: []string{"0001-a done 30", "0002-b done 30"}},
		{name: "one", only: "0002-b", cfg: Config{Segments: 2, PageSize: 7}, want: []string{"0002-b done 30"}},
		{name: "an unknown one", only: "0003-c", wantCode: bo.EINVALID},
		{name: "too many segments", cfg: Config{Segments: MaxSegments + 1}, wantCode: bo.EINVALID},
		{name: "another run moved a segment", cfg: Config{Segments: 1, PageSize: 5},
			advance: func(calls int, _ string, _ Page) error {
				if calls == 2 {
					return bo.Errorf(bo.ECONFLICT, "moved")
				}
				return nil
			},
			wantCode: bo.ECONFLICT, want: []string{"0001-a running 5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs := max(tt.cfg.Segments, 1)
			store := newMemStore(10*3/segs, "0002-b", "0001-a")
			var calls atomic.Int32 // segments advance concurrently
			if tt.advance != nil {
				store.AdvanceFn = func(id string, _ int, page Page) error {
					return tt.advance(int(calls.Add(1)), id, page)
				}
			}
			tt.cfg.Now = now
			got, err := NewRunner(store, tt.cfg).Run(ctx, tt.only)
			if bo.ErrorCode(err) != tt.wantCode && !(tt.wantCode == "" && err == nil) {
				t.Fatalf("error %v, want code %q", err, tt.wantCode)
			}
			var runs []string
			for _, p := range got {
				runs = append(runs, fmt.Sprint(p.ID, " ", p.Status, " ", p.Changed))
			}
			if !slices.Equal(runs, tt.want) {
				t.Errorf("ran %v, want %v", runs, tt.want)
			}
		})
	}
}

// TestRunnerResumes interrupts a run after some pages and checks that the
// next run goes on from the recorded cursors: every item changed once,
// every page read once but the one lost, and done migrations skipped.
func TestRunnerResumes(t *testing.T) {
	ctx := context.Background()
	store := newMemStore(25, "0001-a")
	var calls atomic.Int32 // the segments advance concurrently
	store.AdvanceFn = func(string, int, Page) error {
		if calls.Add(1) == 4 {
			return errors.New("interrupted")
		}
		return nil
	}
	r := NewRunner(store, Config{Segments: 2, PageSize: 5})
	if _, err := r.Run(ctx, ""); err == nil {
		t.Fatal("no error from the interrupted run")
	}
	p, _ := store.MigrationProgress(ctx, "0001-a")
	if p.Status != Running || p.Changed >= 50 || p.Changed%5 != 0 {
		t.Fatalf("interrupted at %+v", p)
	}
	store.AdvanceFn = nil
	got, err := r.Run(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	// The lost page's five items were changed but not counted; read again,
	// they were not changed again.
	if got[0].Status != Done || got[0].Changed != 45 || got[0].Scanned != 50 || len(store.changed["0001-a"]) != 50 {
		t.Fatalf("resumed to %+v, %d items changed", got[0], len(store.changed["0001-a"]))
	}
	again, err := r.Run(ctx, "")
	if err != nil || again[0].Changed != 45 || again[0].Scanned != 50 {
		t.Fatalf("a done migration ran again: %+v, %v", again, err)
	}
	status, err := r.Status(ctx)
	if err != nil || len(status) != 1 || status[0].Status != Done {
		t.Fatalf("status %+v, %v", status, err)
	}
}
