package members

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Count is how many learners a selection of the members view holds, and
// how many index entries were read to count them.
type Count struct {
	Count int `json:"count"`
	Read  int `json:"read"`
}

// Count returns how many learners the query's whole selection holds (its
// Limit and Cursor are not used), read from the index of its sort as the
// pages are, without a reading budget. It returns the errors of List.
func (s *Service) Count(ctx context.Context, caller bo.Caller, orgID, programID string, q bo.MemberQuery) (Count, error) {
	q.Limit, q.Cursor = 1, ""
	if _, err := s.check(ctx, caller, orgID, programID, &q); err != nil {
		return Count{}, err
	}
	return s.view.CountMembers(ctx, programID, q)
}

// LearnerDetail is one learner of a program as an admin sees them: their
// standing and every enrollment they made, current or ended, with its
// progress.
type LearnerDetail struct {
	bo.Learner
	Enrollments []bo.Enrollment `json:"enrollmentItems"`
}

// Learner returns one learner of the program with their enrollments and
// progress, to admins of the program. It returns EINVALID for a malformed
// email, ENOTFOUND for someone with no standing in the program, and the
// errors of AuthorizeProgram.
func (s *Service) Learner(ctx context.Context, caller bo.Caller, orgID, programID, email string) (LearnerDetail, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return LearnerDetail{}, err
	}
	e, err := bo.ParseEmail(email)
	if err != nil {
		return LearnerDetail{}, err
	}
	l, err := s.store.GetLearner(ctx, programID, e.Key)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return LearnerDetail{}, bo.Errorf(bo.ENOTFOUND, "%s is no learner of this program", e.Display)
	} else if err != nil {
		return LearnerDetail{}, err
	}
	es, err := s.store.ListEnrollments(ctx, programID, e.Key)
	if err != nil {
		return LearnerDetail{}, err
	}
	if es == nil {
		es = []bo.Enrollment{}
	}
	return LearnerDetail{Learner: l, Enrollments: es}, nil
}

// MaxSelectedLearners bounds the learners picked by hand for one CSV.
const MaxSelectedLearners = 1_000

// ExportSelected writes the CSV of learners picked by hand (the guide's
// "select the users, Download as .csv"), as Export writes a selection's:
// the same header and cells, one row a learner in the order given, each
// address once. It writes nothing and returns ENOTFOUND naming the
// addresses that are no learner of the program (invited, member or
// removed), EINVALID for an empty or oversized list, a malformed address
// (naming it) or an unknown column, and the errors of AuthorizeProgram.
func (s *Service) ExportSelected(ctx context.Context, caller bo.Caller, orgID, programID string, emails, columns []string, w *csv.Writer) error {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return err
	}
	if len(emails) == 0 || len(emails) > MaxSelectedLearners {
		return bo.Invalid("name between 1 and 1000 learners", bo.FieldError{Field: "emails", Message: "must hold 1 to 1000 addresses"})
	}
	columns, err := exportColumns(columns)
	if err != nil {
		return err
	}
	var keys []string
	display := map[string]string{}
	var v bo.Validation
	for i, raw := range emails {
		e, err := bo.ParseEmail(raw)
		if err != nil {
			v.Add("emails", "item %d (%q) is not an email address", i, raw)
			continue
		}
		if !slices.Contains(keys, e.Key) {
			keys = append(keys, e.Key)
			display[e.Key] = e.Display
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	found := map[string]bo.Learner{}
	for part := range slices.Chunk(keys, 100) {
		got, err := s.store.GetLearners(ctx, programID, part)
		if err != nil {
			return err
		}
		for k, l := range got {
			found[k] = l
		}
	}
	var missing []string
	for _, k := range keys {
		if _, ok := found[k]; !ok {
			missing = append(missing, display[k])
		}
	}
	if len(missing) > 0 {
		return bo.Errorf(bo.ENOTFOUND, "no learner of this program: %s", strings.Join(missing, ", "))
	}
	row, err := s.csvRows(ctx, orgID, columns, w)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := row(found[k]); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
