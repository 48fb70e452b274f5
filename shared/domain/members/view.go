package members

import (
	"context"
	"encoding/csv"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/csvout"
)

// ViewStore reads the members view.
type ViewStore interface {
	ListMembers(ctx context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error)
	// StreamMembers reads the whole selection of q (its Limit and Cursor
	// unused) in the view's order, calling fn with each batch of learners
	// in turn; it stops at fn's first error and returns it.
	StreamMembers(ctx context.Context, programID string, q bo.MemberQuery, fn func(batch []bo.Learner) error) error
	// CountMembers counts the whole selection of q.
	CountMembers(ctx context.Context, programID string, q bo.MemberQuery) (Count, error)
}

// List returns one page of the program's learners in a status, sorted,
// searched and filtered, to admins of the program. It returns EINVALID
// naming a bad status, sort or limit, and the errors of AuthorizeProgram.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID, programID string, q bo.MemberQuery) (bo.MemberPage, error) {
	if _, err := s.check(ctx, caller, orgID, programID, &q); err != nil {
		return bo.MemberPage{}, err
	}
	return s.view.ListMembers(ctx, programID, q)
}

// check is the one validation of a members view query, for pages and
// exports alike: it authorises the caller on the program, fills the
// defaults (status joined, sort name, limit 20, the search lower-cased,
// Now) and returns the program. It returns EINVALID naming a bad status,
// sort or limit, and the errors of AuthorizeProgram.
func (s *Service) check(ctx context.Context, caller bo.Caller, orgID, programID string, q *bo.MemberQuery) (bo.Program, error) {
	p, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID)
	if err != nil {
		return bo.Program{}, err
	}
	var v bo.Validation
	if q.Status == "" {
		q.Status = bo.MemberJoined
	}
	if q.Sort == "" {
		q.Sort = bo.MembersByName
	}
	v.Check(slices.Contains(bo.MemberStatuses, q.Status), "status", "must be one of joined, invited_not_joined, no_enrollments, no_completions, "+
		"inactive_30_days, inactive_90_days, completed_30_days, removed")
	v.Check(slices.Contains(bo.MemberSorts, q.Sort), "sort", "must be email, name, joined, invited, activity, enrollments or completions")
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Check(q.Limit >= 1 && q.Limit <= 100, "limit", "must be between 1 and 100")
	q.ContractIDs, q.CourseIDs = distinct(q.ContractIDs), distinct(q.CourseIDs)
	v.Check(len(q.ContractIDs) <= MaxFilterIDs, "contractId", "names at most %d contracts", MaxFilterIDs)
	v.Check(len(q.CourseIDs) <= MaxFilterIDs, "courseId", "names at most %d courses", MaxFilterIDs)
	if err := v.Err(); err != nil {
		return bo.Program{}, err
	}
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	q.Now = s.Now()
	return p, nil
}

// MaxFilterIDs bounds the contracts, and the courses, one view filters by.
const MaxFilterIDs = 20

// distinct returns the non-empty ids of ids, trimmed, each once, in their
// first order (nil for none).
func distinct(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// SplitIDs reads a query parameter that lists ids separated by commas (a
// repeated parameter arrives so joined), leaving out empty ones.
func SplitIDs(param string) []string {
	if strings.TrimSpace(param) == "" {
		return nil
	}
	return distinct(strings.Split(param, ","))
}

// ParseOrder reads the view's order, "asc" (or "") or "desc", and reports
// whether it is descending. It returns EINVALID naming "order" otherwise.
func ParseOrder(order string) (desc bool, err error) {
	switch order {
	case "", "asc":
		return false, nil
	case "desc":
		return true, nil
	}
	return false, bo.Invalid("order must be asc or desc", bo.FieldError{Field: "order", Message: "must be asc or desc"})
}

// Columns of the members view, as the guide lists them; Learner (name and
// email) is always shown.
var Columns = []string{"joinDate", "invitationDate", "lastActivityDate", "status", "contract", "currentEnrollments",
	"enrollments", "completions", "externalId", "removalDate", "allowReturn", "undeliverable"}

// exportColumns checks the columns of an export and returns them, or every
// column when none is named. It returns EINVALID for an unknown column.
func exportColumns(columns []string) ([]string, error) {
	for _, c := range columns {
		if !slices.Contains(Columns, c) {
			return nil, bo.Invalid("unknown column "+c, bo.FieldError{Field: "columns", Message: "must name columns of " + strings.Join(Columns, ", ")})
		}
	}
	if len(columns) == 0 {
		return slices.Clone(Columns), nil
	}
	return columns, nil
}

// MaxExportRows bounds a CSV export answered in one response (a Lambda
// answer carries at most 6 MB); a larger selection is exported in the
// background (Exporter).
const MaxExportRows = 20_000

// Export writes the whole selection of a query as CSV rows: the header
// (Name, Email and the chosen columns) and one row a learner, with
// formula-like cells neutralised. It returns ETOOLARGE past MaxExportRows
// (pointing to the background export), EINVALID for an unknown column, and
// the errors of List.
func (s *Service) Export(ctx context.Context, caller bo.Caller, orgID, programID string, q bo.MemberQuery, columns []string, w *csv.Writer) error {
	if _, err := s.check(ctx, caller, orgID, programID, &q); err != nil {
		return err
	}
	columns, err := exportColumns(columns)
	if err != nil {
		return err
	}
	_, err = s.writeSelection(ctx, orgID, programID, q, columns, w, MaxExportRows, nil)
	if errors.Is(err, errTooMany) {
		return bo.Errorf(bo.ETOOLARGE, "the selection has more than %d learners, too many for one answer: export it in the background "+
			"with POST /v1/orgs/%s/programs/%s/member-exports (the same selection as a JSON body), or narrow it with a status, contract or course filter",
			MaxExportRows, orgID, programID)
	}
	return err
}

// errTooMany stops an export past its most rows.
var errTooMany = errors.New("too many rows")

// writeSelection writes a checked query's whole selection to w as the CSV
// of an export, and returns how many learner rows it wrote. With max > 0 it
// stops with errTooMany past max rows. After each batch of rows it flushes w
// and calls progress (when set) with the rows written so far; progress's
// error stops the export and is returned. It returns w's and the store's
// errors.
func (s *Service) writeSelection(ctx context.Context, orgID, programID string, q bo.MemberQuery, columns []string, w *csv.Writer, max int,
	progress func(rows int) error) (int, error) {
	out, err := s.csvRows(ctx, orgID, columns, w)
	if err != nil {
		return 0, err
	}
	rows := 0
	err = s.view.StreamMembers(ctx, programID, q, func(batch []bo.Learner) error {
		for _, l := range batch {
			if rows++; max > 0 && rows > max {
				return errTooMany
			}
			if err := out(l); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if progress != nil {
			return progress(rows)
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	w.Flush()
	return rows, w.Error()
}

// ColumnLabels are the CSV headers of the members view's columns, the
// guide's names for them; the learner's name and email head every row
// (LearnerLabel, EmailLabel).
var ColumnLabels = map[string]string{
	"joinDate": "Join Date", "invitationDate": "Invitation Date", "lastActivityDate": "Last Activity Date", "status": "Status",
	"contract": "Contracts", "currentEnrollments": "Current Enrollments", "enrollments": "Enrollments", "completions": "Completions",
	"externalId": "External ID", "removalDate": "Removal Date", "allowReturn": "Allow Return", "undeliverable": "Undeliverable",
}

// The CSV headers of the learner's name and email.
const (
	LearnerLabel = "Learner"
	EmailLabel   = "Email"
)

// csvRows writes the CSV header of the columns to w and returns what
// writes one learner's row: the name, the email and the columns, the
// contract by its name (the org's contracts are read once here), every cell
// with formula-like text neutralised. It returns the store's and w's
// errors.
func (s *Service) csvRows(ctx context.Context, orgID string, columns []string, w *csv.Writer) (func(bo.Learner) error, error) {
	names := map[string]string{}
	if slices.Contains(columns, "contract") {
		page := bo.Page{Limit: bo.MaxPageSize}
		for {
			cs, next, err := s.store.ListContracts(ctx, orgID, page)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				names[c.ID] = c.Name
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	header := []string{LearnerLabel, EmailLabel}
	for _, c := range columns {
		header = append(header, ColumnLabels[c])
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	row := make([]string, 2+len(columns))
	return func(l bo.Learner) error {
		row[0], row[1] = csvout.Neutralise(l.FullName), csvout.Neutralise(l.Email)
		for i, c := range columns {
			v := cell(l, c)
			if c == "contract" && names[v] != "" {
				v = names[v]
			}
			row[2+i] = csvout.Neutralise(v)
		}
		return w.Write(row)
	}, nil
}

func cell(l bo.Learner, column string) string {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	switch column {
	case "joinDate":
		return day(l.JoinedAt)
	case "invitationDate":
		return day(l.InvitedAt)
	case "lastActivityDate":
		return day(l.LastActivityAt)
	case "status":
		return string(l.State)
	case "contract":
		return l.ContractID
	case "currentEnrollments":
		return strconv.Itoa(l.CurrentEnrollments)
	case "enrollments":
		return strconv.Itoa(l.Enrollments)
	case "completions":
		return strconv.Itoa(l.Completions)
	case "externalId":
		return l.ExternalID
	case "removalDate":
		return day(l.RemovedAt)
	case "undeliverable":
		// Why the invitation cannot be delivered, as SES reported it.
		return l.UndeliverableReason
	case "allowReturn":
		if l.State == bo.StateDeletedMember && l.AllowReturn {
			return "Yes"
		}
		if l.State == bo.StateDeletedMember {
			return "No"
		}
	}
	return ""
}
