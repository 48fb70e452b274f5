package reports

import (
	"archive/zip"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Scope is which learners a report covers.
type Scope string

// Report scopes.
const (
	// ScopeActive keeps the learners whose contract is active now.
	ScopeActive Scope = "active"
	// ScopeAllTime keeps every learner, expired contracts included.
	ScopeAllTime Scope = "all_time"
)

// Filter narrows the enrollments a Source hands over: to one type of
// catalogue item, and to one item, when set.
type Filter struct {
	Type   bo.ItemType
	ItemID string
}

// Source streams the learners of a program.
type Source interface {
	// EachLearner calls fn once for every learner of the program (invited,
	// member or removed), in email order, with their enrollments that pass
	// the filter (none is an empty slice), reading as of the call: every
	// write made before it is seen. fn must not keep es after it returns.
	// It stops at fn's first error and returns it, or the storage's error.
	EachLearner(ctx context.Context, programID string, f Filter, fn func(l bo.Learner, es []bo.Enrollment) error) error
}

// Catalog is a program's catalogue as a report reads it: its items by id
// and the names of its collections (an enrollment's source).
type Catalog struct {
	Items       map[string]bo.CatalogItem
	Collections map[string]string
	// courses are the course ids of each collection, in its order.
	courses map[string][]string
}

// NewCatalog indexes a program's collections.
func NewCatalog(cs []bo.Collection) Catalog {
	c := Catalog{Items: map[string]bo.CatalogItem{}, Collections: map[string]string{}, courses: map[string][]string{}}
	for _, col := range cs {
		c.Collections[col.ID] = col.Name
		for _, it := range col.Items {
			if it.Type == bo.ItemCourse {
				c.courses[col.ID] = append(c.courses[col.ID], it.ID)
			}
			if _, seen := c.Items[it.ID]; !seen {
				c.Items[it.ID] = it
			}
		}
	}
	return c
}

// item returns the catalogue's item for an enrollment, or one made of what
// the enrollment remembers when the item has left the catalogue.
func (c Catalog) item(e bo.Enrollment) bo.CatalogItem {
	if it, ok := c.Items[e.ItemID]; ok {
		return it
	}
	return bo.CatalogItem{ID: e.ItemID, Type: e.ItemType, Name: e.ItemName}
}

// Program is one program of a report, with its catalogue.
type Program struct {
	bo.Program
	Catalog Catalog
}

// Input is what a report is made of besides its learners.
type Input struct {
	Programs []Program
	// Contracts are the org's contracts by id: their names fill the
	// Contract columns, their terms decide ScopeActive.
	Contracts map[string]bo.Contract
	Scope     Scope
	// Now is when the report is made: contracts active at Now are active.
	Now time.Time
}

// includes reports whether the learner is in the report's scope.
func (in Input) includes(l bo.Learner) bool {
	if in.Scope != ScopeActive {
		return true
	}
	c, ok := in.Contracts[l.ContractID]
	return ok && c.Status(in.Now) == bo.ContractActive
}

func (in Input) contractName(id string) string {
	if c, ok := in.Contracts[id]; ok {
		return c.Name
	}
	return id
}

// Progress is how far a report has got: the file being written and the
// rows written so far, over every file.
type Progress struct {
	File string `json:"file" dynamodbav:"file"`
	Rows int    `json:"rows" dynamodbav:"rows"`
}

// ProgressEvery is how many rows pass between two calls of a progress
// function.
const ProgressEvery = 10_000

// writer writes the files of one report and counts its rows.
type writer struct {
	ctx      context.Context
	src      Source
	in       Input
	rows     int
	file     string
	progress func(Progress)
}

// row counts a row written and reports progress every ProgressEvery rows.
func (w *writer) row() {
	w.rows++
	if w.progress != nil && w.rows%ProgressEvery == 0 {
		w.progress(Progress{File: w.file, Rows: w.rows})
	}
}

// pass writes one file: its header, then the rows fn writes for each
// learner in scope of each program, read with the filter.
func (w *writer) pass(out io.Writer, file string, header []string, f Filter,
	fn func(t *table, p Program, l bo.Learner, es []bo.Enrollment) error) error {
	w.file = file
	t, err := newTable(out, header)
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	for _, p := range w.in.Programs {
		err := w.src.EachLearner(w.ctx, p.ID, f, func(l bo.Learner, es []bo.Enrollment) error {
			if !w.in.includes(l) {
				return nil
			}
			return fn(t, p, l, es)
		})
		if err != nil {
			return fmt.Errorf("write %s of program %s: %w", file, p.ID, err)
		}
	}
	if err := t.flush(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// newZip returns a zip writer on out that deflates at the fastest level:
// CSV compresses well even so, and the report's speed is the compressor's.
func newZip(out io.Writer) *zip.Writer {
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return zw
}

// Write writes the report of in to out as a zip of member-report.csv,
// usage-report.csv and specialization-report.csv, streaming: it holds one
// learner's enrollments at a time, never a file. A zip holds one entry
// being written at a time, so each file is one pass over the programs'
// learners (the member and usage files over their course enrollments, the
// specialisation file over its specialisation enrollments); the summary is
// counted in the first. progress, when set, is called every ProgressEvery
// rows. It returns the summary, and the first error of src or out.
func Write(ctx context.Context, out io.Writer, src Source, in Input, progress func(Progress)) (Summary, error) {
	w := &writer{ctx: ctx, src: src, in: in, progress: progress}
	var sum tally
	files := []struct {
		name  string
		write func(f io.Writer) error
	}{
		{MemberFile, func(f io.Writer) error {
			return w.pass(f, MemberFile, MemberColumns, Filter{Type: bo.ItemCourse}, func(t *table, p Program, l bo.Learner, es []bo.Enrollment) error {
				enrolled, completed := sum.add(l, es)
				w.row()
				return t.write(append([]string{l.FullName, l.Email, externalID(l), p.Name, p.Slug, itoa(enrolled), itoa(completed),
					string(l.State), formatTime(l.JoinedAt), formatTime(l.InvitedAt), formatTime(l.LastActivityAt),
					w.in.contractName(l.ContractID)}, profileCells(l)...)...)
			})
		}},
		{UsageFile, func(f io.Writer) error {
			return w.enrollments(f, UsageFile, UsageColumns, bo.ItemCourse, func(t *table, p Program, l bo.Learner, e bo.Enrollment, it bo.CatalogItem) error {
				return t.write(append([]string{l.FullName, l.Email, externalID(l), it.Name, it.ID, it.Slug, it.University,
					formatTime(&e.EnrolledAt), "", formatTime(e.LastActivityAt), number(overallProgress(e)), hours(e.LearningMinutes),
					yesNo(e.CompletedAt != nil), yesNo(l.State == bo.StateDeletedMember), p.Slug, p.Name,
					p.Catalog.Collections[e.CollectionID], formatTime(e.CompletedAt), grade(e.Grade), w.in.contractName(l.ContractID)},
					profileCells(l)...)...)
			})
		}},
		{SpecializationFile, func(f io.Writer) error {
			return w.enrollments(f, SpecializationFile, SpecializationColumns, bo.ItemSpecialization, func(t *table, p Program, l bo.Learner, e bo.Enrollment, it bo.CatalogItem) error {
				return t.write(append([]string{l.FullName, l.Email, externalID(l), it.Name, it.Slug, it.University,
					formatTime(&e.EnrolledAt), formatTime(e.LastActivityAt), yesNo(e.CompletedAt != nil),
					yesNo(l.State == bo.StateDeletedMember), p.Slug, p.Name, p.Catalog.Collections[e.CollectionID],
					formatTime(e.CompletedAt), w.in.contractName(l.ContractID)}, profileCells(l)...)...)
			})
		}},
	}
	zw := newZip(out)
	for _, file := range files {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: file.name, Method: zip.Deflate, Modified: in.Now})
		if err != nil {
			return Summary{}, fmt.Errorf("write %s: %w", file.name, err)
		}
		if err := file.write(f); err != nil {
			return Summary{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return Summary{}, fmt.Errorf("finish the zip: %w", err)
	}
	s := sum.summary()
	s.Rows = w.rows
	return s, nil
}

// enrollments writes one file of a row per enrollment of the type: a pass
// over those enrollments, each written by row with its catalogue item.
func (w *writer) enrollments(out io.Writer, file string, header []string, typ bo.ItemType,
	row func(t *table, p Program, l bo.Learner, e bo.Enrollment, it bo.CatalogItem) error) error {
	return w.pass(out, file, header, Filter{Type: typ}, func(t *table, p Program, l bo.Learner, es []bo.Enrollment) error {
		for _, e := range es {
			if e.ItemType != typ {
				continue
			}
			w.row()
			if err := row(t, p, l, e, p.Catalog.item(e)); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteGradebook writes the gradebook of the courses (ids, in the order
// given) of one program to out as one CSV: a row per learner enrolled in
// one of them, course by course. It returns the rows written, and the
// first error of src or out.
func WriteGradebook(ctx context.Context, out io.Writer, src Source, in Input, courseIDs []string, progress func(Progress)) (int, error) {
	w := &writer{ctx: ctx, src: src, in: in, progress: progress}
	t, err := newTable(out, GradebookColumns)
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", GradebookFile, err)
	}
	w.file = GradebookFile
	for _, p := range in.Programs {
		for _, id := range courseIDs {
			err := src.EachLearner(ctx, p.ID, Filter{Type: bo.ItemCourse, ItemID: id}, func(l bo.Learner, es []bo.Enrollment) error {
				for _, e := range es {
					if e.ItemID != id || !in.includes(l) {
						continue
					}
					it := p.Catalog.item(e)
					w.row()
					if err := t.write(l.FullName, l.Email, externalID(l), it.Name, it.ID, number(overallProgress(e)), grade(e.Grade),
						yesNo(e.CompletedAt != nil), formatTime(e.CompletedAt)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return w.rows, fmt.Errorf("write the gradebook of %s: %w", id, err)
			}
		}
	}
	if err := t.flush(); err != nil {
		return w.rows, fmt.Errorf("write %s: %w", GradebookFile, err)
	}
	return w.rows, nil
}
