package reports

import (
	"context"
	"slices"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// JobsPage is a page of an org's past reports.
type JobsPage struct {
	Items      []Job  `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// List returns a page of the org's reports still kept, newest first, as
// Get returns each (progress, and a fresh link to the file of a done
// one): every report for an org admin, and for a program admin those
// whose programs are all theirs. It
// returns EINVALID naming a bad limit or cursor, and the errors of Access
// and of the bucket.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID string, limit int, cursor string) (JobsPage, error) {
	a, err := s.access.Access(ctx, caller, orgID)
	if err != nil {
		return JobsPage{}, err
	}
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > 100 {
		return JobsPage{}, bo.Invalid("limit must be between 1 and 100", bo.FieldError{Field: "limit", Message: "must be between 1 and 100"})
	}
	jobs, err := s.store.ListReports(ctx, orgID)
	if err != nil {
		return JobsPage{}, err
	}
	jobs = slices.DeleteFunc(jobs, func(j Job) bool {
		for _, id := range j.ProgramIDs {
			if !a.CanAdminister(id) {
				return true
			}
		}
		return false
	})
	// Ids of scheduled reports are not in time order: sort by creation.
	slices.SortFunc(jobs, func(x, y Job) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	// The cursor is the last report's creation and id: the next page
	// starts after it even if it has expired since.
	key := func(j Job) string { return j.CreatedAt.UTC().Format("20060102T150405.000000000") + "|" + j.ID }
	start := 0
	if cursor != "" {
		if _, _, ok := strings.Cut(cursor, "|"); !ok {
			return JobsPage{}, bo.Invalid("invalid cursor: use the nextCursor of the previous page",
				bo.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
		}
		for start < len(jobs) && key(jobs[start]) >= cursor {
			start++
		}
	}
	out := JobsPage{Items: []Job{}}
	for _, j := range jobs[start:min(start+limit, len(jobs))] {
		j, err := s.withLink(ctx, j)
		if err != nil {
			return JobsPage{}, err
		}
		out.Items = append(out.Items, j)
	}
	if start+limit < len(jobs) {
		out.NextCursor = key(jobs[start+limit-1])
	}
	return out, nil
}
