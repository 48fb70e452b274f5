package members

import (
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/csvout"
)

// Status is one of the eight learner activity statuses an admin filters by.
type Status string

// The learner activity statuses of the guide.
const (
	Joined          Status = "joined"             // joined this program
	InvitedNever    Status = "invited_not_joined" // invited but never joined
	NoEnrollments   Status = "no_enrollments"     // joined but no current enrollments
	NoCompletions   Status = "no_completions"     // enrolled but no completions
	Inactive30      Status = "inactive_30_days"   // enrolled but inactive for the past 30 days
	Inactive90      Status = "inactive_90_days"   // inactive for the past 90 days
	Completed30     Status = "completed_30_days"  // at least one completion in the last 30 days
	RemovedLearners Status = "removed"            // removed from this program
)

// Statuses lists the statuses in the guide's order.
var Statuses = []Status{Joined, InvitedNever, NoEnrollments, NoCompletions, Inactive30, Inactive90, Completed30, RemovedLearners}

// Sort is the order of the members view.
type Sort string

// Sort orders.
const (
	ByEmail    Sort = "email"
	ByName     Sort = "name"
	ByJoined   Sort = "joined"
	ByInvited  Sort = "invited"
	ByActivity Sort = "activity"
)

// Query selects one page of the members view.
type Query struct {
	Status Status
	Sort   Sort
	Desc   bool
	// Search is a prefix of the email or the name.
	Search     string
	ContractID string
	// CourseID keeps the learners currently enrolled in that item.
	CourseID string
	Limit    int
	Cursor   string
	// Now is when the 30- and 90-day windows end.
	Now time.Time
}

// Page is one page of the members view, with how many learners were read
// to make it (the cost of the filters that narrow an indexed result).
type Page struct {
	Items      []bo.Learner
	NextCursor string
	Read       int
}

// ViewStore reads the members view.
type ViewStore interface {
	ListMembers(ctx context.Context, programID string, q Query) (Page, error)
}

// List returns one page of the program's learners in a status, sorted,
// searched and filtered, to admins of the program. It returns EINVALID
// naming a bad status, sort or limit, and the errors of AuthorizeProgram.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID, programID string, q Query) (Page, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return Page{}, err
	}
	var v bo.Validation
	if q.Status == "" {
		q.Status = Joined
	}
	if q.Sort == "" {
		q.Sort = ByName
	}
	known := false
	for _, st := range Statuses {
		known = known || st == q.Status
	}
	v.Check(known, "status", "must be one of joined, invited_not_joined, no_enrollments, no_completions, "+
		"inactive_30_days, inactive_90_days, completed_30_days, removed")
	switch q.Sort {
	case ByEmail, ByName, ByJoined, ByInvited, ByActivity:
	default:
		v.Add("sort", "must be email, name, joined, invited or activity")
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Check(q.Limit >= 1 && q.Limit <= 100, "limit", "must be between 1 and 100")
	if err := v.Err(); err != nil {
		return Page{}, err
	}
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	q.Now = s.Now()
	return s.view.ListMembers(ctx, programID, q)
}

// Columns of the members view, as the guide lists them; Learner (name and
// email) is always shown.
var Columns = []string{"joinDate", "invitationDate", "lastActivityDate", "status", "contract", "currentEnrollments",
	"enrollments", "completions", "externalId", "removalDate", "allowReturn"}

// MaxExportRows bounds a CSV export answered in one response (a Lambda
// answer carries at most 6 MB).
const MaxExportRows = 20_000

// Export writes the whole selection of a query as CSV rows, page after
// page: the header (Name, Email and the chosen columns) and one row a
// learner, with formula-like cells neutralised. It returns ETOOLARGE past
// MaxExportRows, EINVALID for an unknown column, and the errors of List.
func (s *Service) Export(ctx context.Context, caller bo.Caller, orgID, programID string, q Query, columns []string, w *csv.Writer) error {
	for _, c := range columns {
		if !slices.Contains(Columns, c) {
			return bo.Invalid("unknown column "+c, bo.FieldError{Field: "columns", Message: "must name columns of " + strings.Join(Columns, ", ")})
		}
	}
	if len(columns) == 0 {
		columns = Columns
	}
	if err := w.Write(append([]string{"Name", "Email"}, columns...)); err != nil {
		return err
	}
	q.Limit, q.Cursor = 100, ""
	rows := 0
	for {
		page, err := s.List(ctx, caller, orgID, programID, q)
		if err != nil {
			return err
		}
		for _, l := range page.Items {
			if rows++; rows > MaxExportRows {
				return bo.Errorf(bo.ETOOLARGE, "the selection has more than %d learners: narrow it with a status, contract or course filter", MaxExportRows)
			}
			row := []string{csvout.Neutralise(l.FullName), csvout.Neutralise(l.Email)}
			for _, c := range columns {
				row = append(row, csvout.Neutralise(cell(l, c)))
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			w.Flush()
			return w.Error()
		}
		q.Cursor = page.NextCursor
	}
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
