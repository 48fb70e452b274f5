package library

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/csvin"
)

// CSV columns of a load; id, type and name are required.
var csvColumns = []string{"id", "type", "name", "slug", "university", "courseids"}

// ReadCSV reads a load's CSV text: a header naming the columns (any case
// and order; id, type and name required, slug, university and courseIds
// optional), then one item a line; blank lines are skipped and a
// specialisation's courseIds are separated by ";". It returns the items
// with the line each came from, and EINVALID naming "csv" for a file that
// cannot be read (the line at fault in the message).
func ReadCSV(text string) ([]bo.CatalogItem, []int, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, csvin.BOM)))
	r.FieldsPerRecord = -1
	invalid := func(msg string) error {
		return bo.Invalid("the csv cannot be read: "+msg, bo.FieldError{Field: "csv", Message: msg})
	}
	var col map[string]int
	var items []bo.CatalogItem
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, invalid(fmt.Sprintf("line %d: %v", pe.StartLine, pe.Err))
		} else if err != nil {
			return nil, nil, err
		}
		line, _ := r.FieldPos(0)
		if csvin.Blank(rec) {
			continue
		}
		if col == nil {
			if col, err = header(rec); err != nil {
				return nil, nil, invalid(err.Error())
			}
			continue
		}
		if len(items) == MaxLoadItems {
			return nil, nil, invalid(fmt.Sprintf("more than %d items: split the file", MaxLoadItems))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		it := bo.CatalogItem{ID: get("id"), Type: bo.ItemType(strings.ToLower(get("type"))), Name: get("name"),
			Slug: get("slug"), University: get("university")}
		for c := range strings.SplitSeq(get("courseids"), ";") {
			if c = strings.TrimSpace(c); c != "" {
				it.CourseIDs = append(it.CourseIDs, c)
			}
		}
		items, lines = append(items, it), append(lines, line)
	}
	if col == nil {
		return nil, nil, invalid("the file is empty: its first line must name the columns id, type, name")
	}
	return items, lines, nil
}

// header returns the column of each known name in a header record, and an
// error naming what is missing or unknown.
func header(rec []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range rec {
		k := strings.ReplaceAll(csvin.HeaderKey(h), " ", "")
		known := false
		for _, c := range csvColumns {
			known = known || c == k
		}
		if !known {
			return nil, fmt.Errorf("line 1: unknown column %q (the columns are id, type, name, slug, university, courseIds)", strings.TrimSpace(h))
		}
		if _, dup := col[k]; dup {
			return nil, fmt.Errorf("line 1: column %q appears twice", strings.TrimSpace(h))
		}
		col[k] = i
	}
	for _, c := range csvColumns[:3] {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("line 1: the header has no %q column (it must name id, type and name)", c)
		}
	}
	return col, nil
}
