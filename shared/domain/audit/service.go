package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/csvout"
)

// Filter narrows an org's log. Zero fields do not narrow it; From is
// inclusive and To exclusive.
type Filter struct {
	// Actor is an actor's Key: an email address, or "sub:<subject>".
	Actor      string
	Action     string
	TargetType string
	// TargetID needs TargetType.
	TargetID  string
	ProgramID string
	From, To  time.Time
}

// Query is what the store reads: the filter, the programs a program admin
// is limited to (nil for no limit), and the page.
type Query struct {
	Filter
	// Programs, when not nil, keeps only records of these programs.
	Programs []string
	Page     bo.Page
}

// Store reads an org's log newest first, one query a page. It returns
// EINVALID for a cursor it did not issue for this org and filter.
type Store interface {
	ListAudit(ctx context.Context, orgID string, q Query) ([]Record, string, error)
}

// Authorizer says who the caller is in an org.
type Authorizer interface {
	AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

// Service reads the audit log for admins. There is no way to change or
// delete a record: records expire by the table's TTL.
type Service struct {
	store Store
	auth  Authorizer
}

// NewService returns a Service.
func NewService(store Store, auth Authorizer) *Service {
	return &Service{store: store, auth: auth}
}

// MaxCSVRows is how many records one CSV export holds; a longer log is
// read on from the cursor it returns.
const MaxCSVRows = 5000

// List returns a page of the org's log, newest first, and the cursor of
// the next page. Org admins read every record; program admins only those
// of their programs. It returns EFORBIDDEN for someone who is no admin of
// the org, EINVALID for a bad filter, page or cursor.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID string, f Filter, page bo.Page) ([]Record, string, error) {
	q, err := s.query(ctx, caller, orgID, f, page)
	if err != nil {
		return nil, "", err
	}
	if q.Programs != nil && len(q.Programs) == 0 {
		return []Record{}, "", nil
	}
	return s.store.ListAudit(ctx, orgID, q)
}

// CSV returns the org's log as a CSV file, newest first, at most
// MaxCSVRows records from the cursor, and the cursor to read on from ("" at
// the end). Cells that a spreadsheet would run as formulas are neutralised.
// Errors are List's.
func (s *Service) CSV(ctx context.Context, caller bo.Caller, orgID string, f Filter, cursor string) ([]byte, string, error) {
	q, err := s.query(ctx, caller, orgID, f, bo.Page{Limit: bo.MaxPageSize, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	var recs []Record
	next := ""
	for q.Programs == nil || len(q.Programs) > 0 {
		page, n, err := s.store.ListAudit(ctx, orgID, q)
		if err != nil {
			return nil, "", err
		}
		recs, next = append(recs, page...), n
		if next == "" || len(recs) >= MaxCSVRows {
			break
		}
		q.Page.Cursor = next
	}
	return WriteCSV(recs), next, nil
}

// Columns are the CSV export's header.
var Columns = []string{"at", "id", "actorEmail", "actorSubject", "actorRole", "action", "targetType", "targetId",
	"programId", "changes", "requestId", "sourceIp"}

// WriteCSV writes records as CSV with the byte-order mark, one line a
// record, the changes as "field: old -> new" lines in one cell; every cell
// neutralised (csvout.Neutralise).
func WriteCSV(recs []Record) []byte {
	var buf bytes.Buffer
	buf.WriteString(csvout.BOM)
	w := csv.NewWriter(&buf)
	_ = w.Write(Columns)
	for _, r := range recs {
		changes := make([]string, len(r.Changes))
		for i, c := range r.Changes {
			changes[i] = c.Field + ": " + c.Old + " -> " + c.New
		}
		row := []string{r.At.UTC().Format(time.RFC3339Nano), r.ID, r.Actor.Email, r.Actor.Subject, r.Actor.Role, r.Action,
			r.Target.Type, r.Target.ID, r.ProgramID, strings.Join(changes, "\n"), r.RequestID, r.SourceIP}
		for i := range row {
			row[i] = csvout.Neutralise(row[i])
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// query checks the filter and the caller's access and returns what the
// store reads. A program admin's Programs are their programs (narrowed to
// the filter's program); an empty, non-nil Programs means nothing to read.
func (s *Service) query(ctx context.Context, caller bo.Caller, orgID string, f Filter, page bo.Page) (Query, error) {
	a, err := s.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return Query{}, err
	}
	var v bo.Validation
	v.Check(f.TargetID == "" || f.TargetType != "", "targetType", "is required with targetId")
	v.Check(f.From.IsZero() || f.To.IsZero() || f.From.Before(f.To), "to", "must be after from")
	f.Actor = strings.ToLower(strings.TrimSpace(f.Actor))
	if err := v.Err(); err != nil {
		return Query{}, err
	}
	page, err = bo.NormalisePage(page)
	if err != nil {
		return Query{}, err
	}
	q := Query{Filter: f, Page: page}
	if a.Role != bo.RoleOrgAdmin {
		q.Programs = []string{}
		for _, id := range a.ProgramIDs {
			if f.ProgramID == "" || f.ProgramID == id {
				q.Programs = append(q.Programs, id)
			}
		}
		slices.Sort(q.Programs)
	}
	return q, nil
}
