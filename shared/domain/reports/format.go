package reports

import (
	"encoding/csv"
	"math"
	"strconv"
	"time"

	"github.com/learnops/backoffice/shared/domain/csvout"
)

// TimeLayout is how every time of a report is written: RFC 3339 in UTC
// with milliseconds, 2019-12-23T06:18:32.782Z.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// formatTime writes t in TimeLayout, or "" for no time.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// yesNo is a Yes/No field.
func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// number writes f rounded to two decimals, without trailing zeros: 12.82,
// 100, 0.5.
func number(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// grade writes a grade, or "" for none.
func grade(g *float64) string {
	if g == nil {
		return ""
	}
	return number(*g)
}

// hours writes learning minutes as hours to two decimals: 17 minutes is
// 0.28.
func hours(minutes int) string {
	return number(float64(minutes) / 60)
}

// table writes the rows of one CSV file: the byte-order mark and the header
// first, then rows of the header's width with every cell neutralised.
type table struct {
	w   *csv.Writer
	row []string
}

// newTable writes the BOM and the header to w. It returns w's error.
func newTable(w interface{ Write([]byte) (int, error) }, header []string) (*table, error) {
	if _, err := w.Write([]byte(csvout.BOM)); err != nil {
		return nil, err
	}
	t := &table{w: csv.NewWriter(w), row: make([]string, 0, len(header))}
	return t, t.write(header...)
}

// write writes one row, neutralising each cell.
func (t *table) write(cells ...string) error {
	t.row = t.row[:0]
	for _, c := range cells {
		t.row = append(t.row, csvout.Neutralise(c))
	}
	return t.w.Write(t.row)
}

// flush writes out what is buffered and returns the first write error.
func (t *table) flush() error {
	t.w.Flush()
	return t.w.Error()
}
