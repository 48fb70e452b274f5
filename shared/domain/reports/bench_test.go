package reports

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// genSource makes up a program's learners as it streams them, the same on
// every pass: learner i has i%7 enrollments (three on average), the fifth
// and later of them specialisations, so that a program of n learners has
// about 3n enrollments, 6 in 7 of them courses. Nothing is held but the
// learner being handed over.
type genSource struct {
	learners int
	start    time.Time
}

// enrollments returns how many enrollments the source streams in all.
func (s genSource) enrollments() (courses, specs int) {
	for i := range s.learners {
		k := i % 7
		courses += min(k, 4)
		specs += max(k-4, 0)
	}
	return courses, specs
}

var (
	genCourses = []string{"python-data-analysis", "sql-for-analysts", "practical-statistics", "machine-learning", "ai-for-everyone",
		"data-visualisation"}
	genSpecs  = []string{"data-analyst", "ml-engineer"}
	genNames  = []string{"Maria García", "Chen Wei", "Zoë Müller", "Omar Khan", "Ada Lovelace", "Tomás O'Brien", "Priya Patel"}
	genStates = []bo.LearnerState{bo.StateMember, bo.StateMember, bo.StateMember, bo.StateMember, bo.StateInvited, bo.StateDeletedMember}
)

func (s genSource) EachLearner(ctx context.Context, programID string, f Filter, fn func(bo.Learner, []bo.Enrollment) error) error {
	es := make([]bo.Enrollment, 0, 7)
	for i := range s.learners {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		day := s.start.Add(time.Duration(i%700) * 24 * time.Hour)
		joined, activity := day.Add(time.Hour), day.Add(30*24*time.Hour+time.Duration(i%86_400_000)*time.Millisecond)
		email := fmt.Sprintf("learner%07d@example.com", i)
		l := bo.Learner{ProgramID: programID, Email: email, EmailKey: email, FullName: genNames[i%len(genNames)],
			ExternalID: fmt.Sprint(100000 + i), State: genStates[i%len(genStates)], ContractID: "con_1",
			InvitedAt: &day, JoinedAt: &joined, LastActivityAt: &activity}
		es = es[:0]
		for k := range i % 7 {
			e := bo.Enrollment{ItemType: bo.ItemCourse, ItemID: genCourses[(i+k)%len(genCourses)], CollectionID: "col_1",
				EnrolledAt: joined.Add(time.Duration(k) * time.Hour), Progress: float64((i*7+k*13)%1000) / 10,
				LearningMinutes: (i + k) % 600, LastActivityAt: &activity}
			if k >= 4 {
				e.ItemType, e.ItemID = bo.ItemSpecialization, genSpecs[k%2]
			}
			if (f.Type != "" && e.ItemType != f.Type) || (f.ItemID != "" && e.ItemID != f.ItemID) {
				continue
			}
			if e.Progress >= 80 {
				g := 60 + e.Progress/4
				e.Grade, e.CompletedAt = &g, &activity
			}
			es = append(es, e)
		}
		if err := fn(l, es); err != nil {
			return err
		}
	}
	return nil
}

// countingWriter counts the bytes written to it and drops them.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// heapPeak samples the heap in use every millisecond until stop is called,
// which returns the highest value seen, in bytes.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak.Load() {
			peak.Store(m.HeapInuse)
		}
	}
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak.Load()
	}
}

// BenchmarkWriteReport1M writes the report of one program of 1,000,000
// enrollments (333,335 learners) from an in-process source to a writer
// that drops it, and reports rows (of all three files) and enrollments a
// second, the zip's size and the peak heap in use. Run it with
//
//	go test -run '^$' -bench WriteReport1M -benchtime 3x ./shared/domain/reports/
func BenchmarkWriteReport1M(b *testing.B) {
	src := genSource{learners: 333_335, start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	courses, specs := src.enrollments()
	in, _ := world()
	in.Scope = ScopeAllTime
	in.Contracts["con_1"] = bo.Contract{ID: "con_1", Name: "Year 1 Contract 2026"}
	runtime.GC()
	stop := heapPeak()
	var rows, size int64
	start := time.Now()
	for b.Loop() {
		out := &countingWriter{}
		sum, err := Write(b.Context(), out, src, in, nil)
		if err != nil {
			b.Fatal(err)
		}
		if sum.TotalEnrollments != courses {
			b.Fatalf("summary counts %d course enrollments, want %d", sum.TotalEnrollments, courses)
		}
		rows += int64(sum.Rows)
		size = out.n
	}
	took := time.Since(start).Seconds()
	peak := stop()
	b.ReportMetric(float64(rows)/took, "rows/s")
	b.ReportMetric(float64(courses+specs)*float64(b.N)/took, "enrollments/s")
	b.ReportMetric(float64(size)/(1<<20), "zip-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.Logf("%d enrollments (%d courses, %d specialisations), %d learners, %d rows a report",
		courses+specs, courses, specs, src.learners, rows/int64(b.N))
}
