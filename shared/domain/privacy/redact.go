package privacy

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// Redactor rewrites CSV content naming one person: every row with a cell
// that holds the address (in any case) gets the anonymous address in those
// cells, and its cells equal to one of the person's names or external ids
// emptied. Other rows are left as they are, so a report's totals and row
// counts stay.
type Redactor struct {
	// EmailKey is the canonical address; Anon the anonymous one.
	EmailKey string
	Anon     string
	// Addresses are the other spellings of the address (audit records
	// keep the case an admin typed).
	Addresses []string
	// Names and ExternalIDs are what the person's items held.
	Names       []string
	ExternalIDs []string
}

var bom = []byte("\xEF\xBB\xBF")

// CSV returns in with the person's rows redacted, and whether anything
// changed. A file that never names the address is returned as it is. It
// returns an error for content that is not CSV.
func (r Redactor) CSV(in []byte) ([]byte, bool, error) {
	if r.EmailKey == "" || !bytes.Contains(bytes.ToLower(in), []byte(r.EmailKey)) {
		return in, false, nil
	}
	body, hadBOM := bytes.CutPrefix(in, bom)
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord, cr.LazyQuotes = -1, true
	records, err := cr.ReadAll()
	if err != nil {
		return nil, false, fmt.Errorf("read CSV: %w", err)
	}
	changed := false
	for _, rec := range records {
		if r.row(rec) {
			changed = true
		}
	}
	if !changed {
		return in, false, nil
	}
	var out bytes.Buffer
	if hadBOM {
		out.Write(bom)
	}
	cw := csv.NewWriter(&out)
	cw.UseCRLF = bytes.Contains(body, []byte("\r\n"))
	if err := cw.WriteAll(records); err != nil {
		return nil, false, err
	}
	return out.Bytes(), true, nil
}

// row redacts one record in place and reports whether it named the person.
func (r Redactor) row(rec []string) bool {
	named := false
	for i, c := range rec {
		if strings.Contains(strings.ToLower(c), r.EmailKey) {
			rec[i], named = r.Anon, true
		}
	}
	if !named {
		return false
	}
	for i, c := range rec {
		v := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "'")))
		for _, s := range append(append([]string{}, r.Names...), r.ExternalIDs...) {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" && v == s {
				rec[i] = ""
			}
		}
	}
	return true
}

// Zip returns a zip with each of its CSV entries redacted, and whether
// anything changed. It returns an error for content that is not a zip.
func (r Redactor) Zip(in []byte) ([]byte, bool, error) {
	zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, false, fmt.Errorf("read zip: %w", err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	changed := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, false, err
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, false, err
		}
		if strings.HasSuffix(strings.ToLower(f.Name), ".csv") {
			var c bool
			if content, c, err = r.CSV(content); err != nil {
				return nil, false, fmt.Errorf("%s: %w", f.Name, err)
			}
			changed = changed || c
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method, Modified: f.Modified})
		if err != nil {
			return nil, false, err
		}
		if _, err := w.Write(content); err != nil {
			return nil, false, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, false, err
	}
	if !changed {
		return in, false, nil
	}
	return out.Bytes(), true, nil
}

// File redacts a file of the bucket by its key: a zip, or CSV otherwise.
func (r Redactor) File(key string, in []byte) ([]byte, bool, error) {
	if strings.HasSuffix(strings.ToLower(key), ".zip") {
		return r.Zip(in)
	}
	return r.CSV(in)
}
