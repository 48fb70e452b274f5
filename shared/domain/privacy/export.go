package privacy

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/csvout"
)

// runExport collects the person's sections, with the audit records naming
// them, and writes them to the job's zip: person.json with every section,
// and a CSV of each.
func (s *Service) runExport(ctx context.Context, j *Job, email bo.Email) error {
	sections, err := s.store.PersonalData(ctx, j.OrgID, email)
	if err != nil {
		return err
	}
	recs, err := s.auditRecords(ctx, j.OrgID, email, sections)
	if err != nil {
		return err
	}
	sections["audit"] = auditSection(recs, addresses(email, sections))
	w := s.files.Writer(ctx, j.FileKey, "application/zip")
	if err := WriteZip(w, j.OrgID, email, s.Now(), sections); err != nil {
		if c, ok := w.(interface{ CloseWithError(error) error }); ok {
			_ = c.CloseWithError(err)
		}
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write export %s: %w", j.ID, err)
	}
	for _, name := range SectionNames {
		j.Counts[name] = len(sections[name])
	}
	return s.finish(ctx, j, StatusReady)
}

// WriteZip writes an export's zip to w: person.json (the address, the org,
// when, and every section) and <section>.csv for each section, whose
// columns are the union of its records' fields in name order, cells
// neutralised for spreadsheets. Every section of SectionNames is present,
// empty or not. It returns the writer's error.
func WriteZip(w io.Writer, orgID string, email bo.Email, at time.Time, sections Sections) error {
	zw := zip.NewWriter(w)
	for _, name := range SectionNames {
		if sections[name] == nil {
			sections[name] = []Record{}
		}
	}
	f, err := zw.Create("person.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"email": email.Display, "orgId": orgID, "exportedAt": at, "sections": sections}); err != nil {
		return err
	}
	for _, name := range SectionNames {
		f, err := zw.Create(name + ".csv")
		if err != nil {
			return err
		}
		if err := writeSectionCSV(f, sections[name]); err != nil {
			return fmt.Errorf("%s.csv: %w", name, err)
		}
	}
	return zw.Close()
}

// writeSectionCSV writes one section as CSV.
func writeSectionCSV(w io.Writer, records []Record) error {
	var header []string
	for _, r := range records {
		for k := range r {
			if !slices.Contains(header, k) {
				header = append(header, k)
			}
		}
	}
	sort.Strings(header)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	for _, r := range records {
		for i, k := range header {
			row[i] = csvout.Neutralise(cell(r[k]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell formats a value of a record for CSV.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.UTC().Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
