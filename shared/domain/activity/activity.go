// Package activity folds the learning platform's activity events into an
// enrollment's progress. Events can arrive twice or out of order; folding
// them in any order, any number of times, gives the same state: progress
// and learning minutes only grow, the last activity is the latest event's,
// the grade is the one of the latest event that carries one, and a
// completion is final (the earliest completion time wins). It imports
// neither Lambda nor the AWS SDK.
package activity

import (
	"context"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// DetailType and Source name the EventBridge events this package reads.
const (
	Source     = "learning.platform"
	DetailType = "Learning Activity"
)

// Event is the detail of one activity event for one enrollment: a member
// (by email) and a catalogue item of a program (by slug). Every figure is a
// total as of OccurredAt, never a delta, so that a replayed event changes
// nothing.
type Event struct {
	// EventID identifies the event at the platform (for logs).
	EventID     string `json:"eventId"`
	ProgramSlug string `json:"programSlug"`
	Email       string `json:"email"`
	ItemID      string `json:"itemId"`
	// OccurredAt is when the activity happened, RFC 3339.
	OccurredAt time.Time `json:"occurredAt"`
	// Progress is the share of the item done, 0 to 100, when the event
	// reports it.
	Progress *float64 `json:"progress,omitempty"`
	// LearningMinutes is the total time spent on the item so far.
	LearningMinutes *int `json:"learningMinutes,omitempty"`
	// Grade is the item's grade so far, 0 to 100.
	Grade *float64 `json:"grade,omitempty"`
	// CompletedAt is set when the item was completed (all graded
	// assignments done), at that time.
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	// LessonsCompleted and LessonsTotal are the item's lessons done so far
	// and in all.
	LessonsCompleted *int `json:"lessonsCompleted,omitempty"`
	LessonsTotal     *int `json:"lessonsTotal,omitempty"`
	// Verified is true when the completion is verified (an identity-checked
	// certificate).
	Verified *bool `json:"verified,omitempty"`
}

// Validate returns EINVALID naming every field at fault.
func (e Event) Validate() error {
	var v bo.Validation
	v.Check(strings.TrimSpace(e.ProgramSlug) != "", "programSlug", "is required")
	v.Check(strings.TrimSpace(e.ItemID) != "", "itemId", "is required")
	if _, err := bo.ParseEmail(e.Email); err != nil {
		v.Add("email", "is not a valid email address")
	}
	v.Check(!e.OccurredAt.IsZero(), "occurredAt", "is required (RFC 3339)")
	if e.Progress != nil {
		v.Check(!math.IsNaN(*e.Progress) && *e.Progress >= 0 && *e.Progress <= 100, "progress", "must be between 0 and 100")
	}
	if e.LearningMinutes != nil {
		v.Check(*e.LearningMinutes >= 0, "learningMinutes", "must not be negative")
	}
	if e.Grade != nil {
		v.Check(!math.IsNaN(*e.Grade) && *e.Grade >= 0 && *e.Grade <= 100, "grade", "must be between 0 and 100")
	}
	if e.LessonsCompleted != nil {
		v.Check(*e.LessonsCompleted >= 0, "lessonsCompleted", "must not be negative")
	}
	if e.LessonsTotal != nil {
		v.Check(*e.LessonsTotal >= 0, "lessonsTotal", "must not be negative")
		v.Check(e.LessonsCompleted == nil || *e.LessonsCompleted <= *e.LessonsTotal, "lessonsCompleted", "must not be more than lessonsTotal")
	}
	return v.Err()
}

// State is what activity events decide of an enrollment.
type State struct {
	Progress        float64
	LearningMinutes int
	Grade           *float64
	// GradeAt is the time of the event the grade came from.
	GradeAt        *time.Time
	CompletedAt    *time.Time
	LastActivityAt *time.Time
	// LessonsCompleted and LessonsTotal only grow; Verified, once set,
	// stays.
	LessonsCompleted int
	LessonsTotal     int
	Verified         bool
}

// Fold returns the state after the event. It is commutative and
// idempotent: any order and any repetition of the same events gives the
// same state.
func Fold(s State, e Event) State {
	at := e.OccurredAt.UTC()
	if e.Progress != nil && *e.Progress > s.Progress {
		s.Progress = *e.Progress
	}
	if e.LearningMinutes != nil && *e.LearningMinutes > s.LearningMinutes {
		s.LearningMinutes = *e.LearningMinutes
	}
	if e.LessonsCompleted != nil {
		s.LessonsCompleted = max(s.LessonsCompleted, *e.LessonsCompleted)
	}
	if e.LessonsTotal != nil {
		s.LessonsTotal = max(s.LessonsTotal, *e.LessonsTotal)
	}
	s.Verified = s.Verified || (e.Verified != nil && *e.Verified)
	// The grade of the latest event carrying one; on a tie of times the
	// higher grade, so that the order of two such events does not matter.
	if e.Grade != nil && (s.GradeAt == nil || at.After(*s.GradeAt) || (at.Equal(*s.GradeAt) && *e.Grade > *s.Grade)) {
		g := *e.Grade
		s.Grade, s.GradeAt = &g, &at
	}
	if e.CompletedAt != nil {
		c := e.CompletedAt.UTC()
		if s.CompletedAt == nil || c.Before(*s.CompletedAt) {
			s.CompletedAt = &c
		}
		s.Progress = max(s.Progress, 100)
	}
	if s.LastActivityAt == nil || at.After(*s.LastActivityAt) {
		s.LastActivityAt = &at
	}
	return s
}

// Completes reports whether a specialisation of the given courses is
// complete once the courses in done are.
func Completes(courseIDs []string, done map[string]bool) bool {
	if len(courseIDs) == 0 {
		return false
	}
	for _, id := range courseIDs {
		if !done[id] {
			return false
		}
	}
	return true
}

// Store is the storage the recorder needs. Methods return ENOTFOUND for a
// missing entity.
type Store interface {
	GetProgramBySlug(ctx context.Context, slug string) (bo.Program, error)
	GetLearner(ctx context.Context, programID, emailKey string) (bo.Learner, error)
	ListCollections(ctx context.Context, programID string) ([]bo.Collection, error)
	ListEnrollments(ctx context.Context, programID, emailKey string) ([]bo.Enrollment, error)
	// SaveProgress writes the enrollment's new progress if it is still as
	// read (prev), with the counters that move (learning minutes, a first
	// completion) and the daily roll-ups of at's UTC day; ECONFLICT when
	// it changed in between.
	SaveProgress(ctx context.Context, prev, next bo.Enrollment, at time.Time) error
	// TouchLearner records the member's latest activity and completion
	// times when they are later than the stored ones.
	TouchLearner(ctx context.Context, l bo.Learner, lastActivity time.Time, completed *time.Time) error
}

// Recorder records activity events: the activity function.
type Recorder struct {
	store Store
	// Now is the clock that bounds the day an event counts on in the
	// trends; tests replace it.
	Now func() time.Time
}

// NewRecorder returns a Recorder over the store, on the real clock.
func NewRecorder(store Store) *Recorder { return &Recorder{store: store, Now: time.Now} }

// countedAt is the time whose UTC day the trends count an event's minutes
// and completion on: when it happened, as the platform says, but never
// after now (a clock running ahead at the platform must not fill days
// that have not come).
func (r *Recorder) countedAt(at time.Time) time.Time {
	if now := r.Now(); at.After(now) {
		return now.UTC()
	}
	return at.UTC()
}

// attempts bounds the retries of a write that lost a race with another
// event of the same enrollment.
const attempts = 8

// Record folds an event into its enrollment and, when a course completes,
// into the specialisations of the member's that hold it. It returns
// EINVALID for a malformed event and ENOTFOUND for an unknown program, a
// non-member or an item the member is not enrolled in (events the caller
// should log and drop: retrying them cannot help).
func (r *Recorder) Record(ctx context.Context, e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	email, _ := bo.ParseEmail(e.Email)
	p, err := r.store.GetProgramBySlug(ctx, e.ProgramSlug)
	if err != nil {
		return err
	}
	l, err := r.store.GetLearner(ctx, p.ID, email.Key)
	if err != nil {
		return err
	}
	completed, err := r.apply(ctx, p, email.Key, e.ItemID, r.countedAt(e.OccurredAt), func(s State) State { return Fold(s, e) })
	if err != nil {
		return err
	}
	if completed != nil {
		if err := r.completeSpecialisations(ctx, p, email.Key, e.ItemID, *completed); err != nil {
			return err
		}
	}
	return r.store.TouchLearner(ctx, l, e.OccurredAt.UTC(), completed)
}

// apply folds the change into the enrollment of the item, retrying on a
// concurrent change, counting what it adds on at's day in the trends, and
// returns the completion time when the item is (or
// was) completed.
func (r *Recorder) apply(ctx context.Context, p bo.Program, emailKey, itemID string, at time.Time, change func(State) State) (*time.Time, error) {
	for range attempts {
		es, err := r.store.ListEnrollments(ctx, p.ID, emailKey)
		if err != nil {
			return nil, err
		}
		var prev *bo.Enrollment
		for i := range es {
			if es[i].ItemID == itemID {
				prev = &es[i]
			}
		}
		if prev == nil {
			return nil, bo.Errorf(bo.ENOTFOUND, "%s has no enrollment in %s", emailKey, itemID)
		}
		s := change(stateOf(*prev))
		next := *prev
		next.Progress, next.LearningMinutes, next.Grade = s.Progress, s.LearningMinutes, s.Grade
		next.GradeAt, next.CompletedAt, next.LastActivityAt = s.GradeAt, s.CompletedAt, s.LastActivityAt
		next.LessonsCompleted, next.LessonsTotal, next.Verified = s.LessonsCompleted, s.LessonsTotal, s.Verified
		if reflect.DeepEqual(next, *prev) {
			return next.CompletedAt, nil // a replay: nothing to write
		}
		err = r.store.SaveProgress(ctx, *prev, next, at)
		if bo.ErrorCode(err) == bo.ECONFLICT {
			continue
		}
		return next.CompletedAt, err
	}
	return nil, bo.Errorf(bo.ECONFLICT, "the enrollment of %s in %s kept changing; retry", emailKey, itemID)
}

func stateOf(e bo.Enrollment) State {
	return State{Progress: e.Progress, LearningMinutes: e.LearningMinutes, Grade: e.Grade, GradeAt: e.GradeAt,
		CompletedAt: e.CompletedAt, LastActivityAt: e.LastActivityAt, LessonsCompleted: e.LessonsCompleted,
		LessonsTotal: e.LessonsTotal, Verified: e.Verified}
}

// completeSpecialisations marks the course done in every specialisation
// enrollment of the member that holds it, completing those whose courses
// are now all done.
func (r *Recorder) completeSpecialisations(ctx context.Context, p bo.Program, emailKey, courseID string, at time.Time) error {
	cs, err := r.store.ListCollections(ctx, p.ID)
	if err != nil {
		return err
	}
	courses := map[string][]string{} // specialisation -> its courses
	for _, c := range cs {
		for _, it := range c.Items {
			if it.Type == bo.ItemSpecialization && slices.Contains(it.CourseIDs, courseID) {
				courses[it.ID] = it.CourseIDs
			}
		}
	}
	if len(courses) == 0 {
		return nil
	}
	es, err := r.store.ListEnrollments(ctx, p.ID, emailKey)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, e := range es {
		if e.CompletedAt != nil {
			done[e.ItemID] = true
		}
	}
	for _, e := range es {
		ids, ok := courses[e.ItemID]
		if !ok || e.CompletedAt != nil || !Completes(ids, done) {
			continue
		}
		if _, err := r.apply(ctx, p, emailKey, e.ItemID, r.countedAt(at), func(s State) State {
			return Fold(s, Event{OccurredAt: at, CompletedAt: &at})
		}); err != nil {
			return err
		}
	}
	return nil
}
