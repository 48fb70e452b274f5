package enroll

import (
	"context"
	"slices"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// LearnerItem is a catalogue item as a member sees it: whether they are
// enrolled in it now, and their progress (kept after an unenrollment).
type LearnerItem struct {
	bo.CatalogItem
	Enrolled bool `json:"enrolled"`
	// Progress is the percentage done, 0 to 100.
	Progress    float64    `json:"progress"`
	Completed   bool       `json:"completed"`
	CanEnroll   bool       `json:"canEnroll"`
	EnrolledAt  *time.Time `json:"enrolledAt,omitempty"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
}

// LearnerCollection is a collection of the program as a member sees it.
type LearnerCollection struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Items       []LearnerItem `json:"items"`
}

// LearnerCatalog is the program page of a member: the program, the
// collections in order with the member's standing in each item, and their
// enrollment limit.
type LearnerCatalog struct {
	ProgramID   string `json:"programId"`
	ProgramName string `json:"programName"`
	Slug        string `json:"slug"`
	Tagline     string `json:"tagline"`
	// EnrollmentLimit is the program's cap of current enrollments per
	// member (0: none); EnrollmentsLeft what is left of it (nil: no cap).
	EnrollmentLimit    int                 `json:"enrollmentLimit"`
	CurrentEnrollments int                 `json:"currentEnrollments"`
	EnrollmentsLeft    *int                `json:"enrollmentsLeft"`
	Collections        []LearnerCollection `json:"collections"`
}

// Catalog returns the program page of the signed-in member: the program's
// collections in order, each item with whether they are enrolled in it and
// their progress, and how many more items they may enroll in. It returns
// ENOTFOUND for an unknown program and EFORBIDDEN for a caller who is not
// a member.
func (s *Service) Catalog(ctx context.Context, caller bo.Caller, slug string) (LearnerCatalog, error) {
	p, l, err := s.member(ctx, caller, slug)
	if err != nil {
		return LearnerCatalog{}, err
	}
	cs, err := s.store.ListCollections(ctx, p.ID)
	if err != nil {
		return LearnerCatalog{}, err
	}
	es, err := s.store.ListEnrollments(ctx, p.ID, l.EmailKey)
	if err != nil {
		return LearnerCatalog{}, err
	}
	return BuildCatalog(p, l, cs, es), nil
}

// BuildCatalog puts a member's program page together from the program,
// the member, the program's collections (in any order: they are shown by
// position) and the member's enrollments.
func BuildCatalog(p bo.Program, l bo.Learner, cs []bo.Collection, es []bo.Enrollment) LearnerCatalog {
	out := LearnerCatalog{ProgramID: p.ID, ProgramName: p.Name, Slug: p.Slug, Tagline: p.Tagline,
		EnrollmentLimit: p.EnrollmentLimit, CurrentEnrollments: max(l.CurrentEnrollments, 0),
		Collections: make([]LearnerCollection, 0, len(cs))}
	if p.EnrollmentLimit > 0 {
		left := max(p.EnrollmentLimit-out.CurrentEnrollments, 0)
		out.EnrollmentsLeft = &left
	}
	byItem := make(map[string]bo.Enrollment, len(es))
	for _, e := range es {
		byItem[e.ItemID] = e
	}
	cs = slices.Clone(cs)
	bo.SortCollections(cs)
	for _, c := range cs {
		lc := LearnerCollection{ID: c.ID, Name: c.Name, Description: c.Description, Items: make([]LearnerItem, len(c.Items))}
		for i, it := range c.Items {
			li := LearnerItem{CatalogItem: it}
			if e, ok := byItem[it.ID]; ok {
				li.Enrolled, li.Progress, li.Completed = e.State == bo.Enrolled, e.Progress, e.CompletedAt != nil
				li.CompletedAt = e.CompletedAt
				if li.Enrolled {
					li.EnrolledAt = &e.EnrolledAt
				}
			}
			li.CanEnroll = !li.Enrolled && (out.EnrollmentsLeft == nil || *out.EnrollmentsLeft > 0)
			lc.Items[i] = li
		}
		out.Collections = append(out.Collections, lc)
	}
	return out
}
