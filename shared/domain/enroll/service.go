// Package enroll lets members of a program enroll in the courses and
// specialisations of its catalogue, within the program's per-learner limit
// of current enrollments. It imports neither Lambda nor the AWS SDK.
package enroll

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// attempts bounds the retries of an enrollment that lost a race with
// another change of the same member.
const attempts = 5

// Store is the storage the service needs. Methods return ENOTFOUND for a
// missing entity.
type Store interface {
	GetProgramBySlug(ctx context.Context, slug string) (bo.Program, error)
	// GetOrg reads the program's org, whose logo its emails show.
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	GetLearner(ctx context.Context, programID, emailKey string) (bo.Learner, error)
	ListCollections(ctx context.Context, programID string) ([]bo.Collection, error)
	ListEnrollments(ctx context.Context, programID, emailKey string) ([]bo.Enrollment, error)
	GetEnrollment(ctx context.Context, programID, emailKey, itemID string) (bo.Enrollment, error)
	// Enroll writes the enrollment under the limit (0: none): ECONFLICT when
	// enrolled already or the member changed, ELIMIT at the limit,
	// EFORBIDDEN for someone who is not a member.
	Enroll(ctx context.Context, l bo.Learner, e bo.Enrollment, limit int) error
	// Unenroll ends a current enrollment: ENOTFOUND when there is none.
	Unenroll(ctx context.Context, l bo.Learner, itemID string, now time.Time) error
}

// Outbox puts emails on the mail queue.
type Outbox interface {
	Publish(ctx context.Context, msgs []mail.Message) error
}

// Service enrolls members in their program's catalogue.
type Service struct {
	store         Store
	outbox        Outbox
	learnerAppURL string
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a Service; learnerAppURL is the base of the links in
// its emails.
func NewService(store Store, outbox Outbox, learnerAppURL string) *Service {
	return &Service{store: store, outbox: outbox, learnerAppURL: strings.TrimRight(learnerAppURL, "/"),
		Now: func() time.Time { return time.Now().UTC() }}
}

// NewEnrollment is a request to enroll in a catalogue item, optionally
// naming the collection enrolled from (the item's first collection
// otherwise).
type NewEnrollment struct {
	ItemID       string `json:"itemId"`
	CollectionID string `json:"collectionId"`
}

// member returns the program at the slug and the caller's membership of
// it. It returns ENOTFOUND for an unknown slug and EFORBIDDEN for a caller
// who is not a member (or has no verified email).
func (s *Service) member(ctx context.Context, caller bo.Caller, slug string) (bo.Program, bo.Learner, error) {
	email, err := caller.VerifiedEmail()
	if err != nil {
		return bo.Program{}, bo.Learner{}, err
	}
	p, err := s.store.GetProgramBySlug(ctx, strings.TrimSpace(slug))
	if err != nil {
		return bo.Program{}, bo.Learner{}, err
	}
	l, err := s.store.GetLearner(ctx, p.ID, email.Key)
	if bo.ErrorCode(err) == bo.ENOTFOUND || (err == nil && l.State != bo.StateMember) {
		return bo.Program{}, bo.Learner{}, bo.Errorf(bo.EFORBIDDEN, "only members of %s may enroll: join the program first", p.Name)
	}
	return p, l, err
}

// catalogItem finds an item of the program's catalogue, in the named
// collection or, when none is named, in the first collection holding it.
// It returns ENOTFOUND for an item or collection the catalogue lacks.
func (s *Service) catalogItem(ctx context.Context, p bo.Program, itemID, collectionID string) (bo.CatalogItem, string, error) {
	cs, err := s.store.ListCollections(ctx, p.ID)
	if err != nil {
		return bo.CatalogItem{}, "", err
	}
	for _, c := range cs {
		if collectionID != "" && c.ID != collectionID {
			continue
		}
		if i := c.ItemIndex(itemID); i >= 0 {
			return c.Items[i], c.ID, nil
		}
	}
	return bo.CatalogItem{}, "", bo.Errorf(bo.ENOTFOUND, "%s is not in the catalogue of %s", itemID, p.Name)
}

// Enroll enrolls the signed-in member in a course or specialisation of the
// program's catalogue, and queues its welcome email. It returns ENOTFOUND
// for an unknown program or an item outside the catalogue, EFORBIDDEN for a
// caller who is not a member, ECONFLICT when already enrolled, and ELIMIT
// when the program's limit of current enrollments is reached.
func (s *Service) Enroll(ctx context.Context, caller bo.Caller, slug string, in NewEnrollment) (bo.Enrollment, error) {
	p, l, err := s.member(ctx, caller, slug)
	if err != nil {
		return bo.Enrollment{}, err
	}
	in.ItemID, in.CollectionID = strings.TrimSpace(in.ItemID), strings.TrimSpace(in.CollectionID)
	if in.ItemID == "" {
		return bo.Enrollment{}, bo.Invalid("itemId is required", bo.FieldError{Field: "itemId", Message: "is required"})
	}
	item, collectionID, err := s.catalogItem(ctx, p, in.ItemID, in.CollectionID)
	if err != nil {
		return bo.Enrollment{}, err
	}
	for range attempts {
		now := s.Now()
		e := bo.Enrollment{
			OrgID: p.OrgID, ProgramID: p.ID, EmailKey: l.EmailKey, ItemID: item.ID, ItemType: item.Type, ItemName: item.Name,
			CollectionID: collectionID, State: bo.Enrolled, EnrolledAt: now, CreatedAt: now, UpdatedAt: now,
		}
		err = s.store.Enroll(enrollRecord(ctx, now, l, audit.EnrollmentCreate, item.ID, audit.Set("itemType", string(item.Type),
			"itemName", item.Name, "collectionId", collectionID, "state", string(bo.Enrolled))), l, e, p.EnrollmentLimit)
		if err == nil {
			// Enrolling again keeps the progress of the earlier enrollment:
			// answer with what is stored.
			if stored, err := s.store.GetEnrollment(ctx, p.ID, l.EmailKey, item.ID); err == nil {
				e = stored
			}
			return e, s.welcome(ctx, p, l, item, now)
		}
		if bo.ErrorCode(err) != bo.ECONFLICT || strings.HasPrefix(bo.ErrorMessage(err), "already enrolled") {
			return bo.Enrollment{}, err
		}
		if l, err = s.store.GetLearner(ctx, p.ID, l.EmailKey); err != nil {
			return bo.Enrollment{}, err
		}
	}
	return bo.Enrollment{}, bo.Errorf(bo.ECONFLICT, "your enrollments are being changed by another request; retry")
}

// welcome queues the course or specialisation welcome email of an
// enrollment, with the org's logo when it has one; its mail id names the
// enrollment, so it is sent once.
func (s *Service) welcome(ctx context.Context, p bo.Program, l bo.Learner, item bo.CatalogItem, at time.Time) error {
	org, err := s.store.GetOrg(ctx, p.OrgID)
	if err != nil {
		return err
	}
	template := mail.TemplateCourseWelcome
	if item.Type == bo.ItemSpecialization {
		template = mail.TemplateSpecializationWelcome
	}
	path := item.Slug
	if path == "" {
		path = item.ID
	}
	msg := mail.Message{
		ID: fmt.Sprintf("%s/%s/%s/%s/%s", template, p.ID, l.EmailKey, item.ID, strconv.FormatInt(at.UnixMilli(), 10)),
		To: l.Email, Template: template, OrgID: p.OrgID, Logo: mail.OrgLogo(org),
		Data: map[string]string{"LearnerName": l.FullName, "ProgramName": p.Name, "ItemName": item.Name,
			"ItemURL": s.learnerAppURL + "/programs/" + p.Slug + "/learn/" + path},
	}
	if err := s.outbox.Publish(ctx, []mail.Message{msg}); err != nil {
		return fmt.Errorf("queue the welcome email of %s for %s: %w", l.EmailKey, item.ID, err)
	}
	return nil
}

// Unenroll ends the signed-in member's current enrollment in an item; its
// progress is kept. It returns ENOTFOUND when they are not enrolled in it,
// and the errors of Enroll for the program and the caller.
func (s *Service) Unenroll(ctx context.Context, caller bo.Caller, slug, itemID string) error {
	_, l, err := s.member(ctx, caller, slug)
	if err != nil {
		return err
	}
	now := s.Now()
	ctx = enrollRecord(ctx, now, l, audit.EnrollmentEnd, itemID, []audit.Change{{Field: "state", Old: string(bo.Enrolled), New: string(bo.Unenrolled)}})
	return s.store.Unenroll(ctx, l, itemID, now)
}

// enrollRecord returns ctx carrying the record of a learner's change to
// their enrollment in an item, in their own name.
func enrollRecord(ctx context.Context, at time.Time, l bo.Learner, action, itemID string, changes []audit.Change) context.Context {
	audit.SetRole(ctx, audit.RoleLearner)
	return audit.For(ctx, at, l.OrgID, l.ProgramID, action, audit.Target{Type: audit.TargetEnrollment, ID: l.Email + "/" + itemID}, changes)
}

// List returns the signed-in member's enrollments in the program, current
// and past.
func (s *Service) List(ctx context.Context, caller bo.Caller, slug string) ([]bo.Enrollment, error) {
	p, l, err := s.member(ctx, caller, slug)
	if err != nil {
		return nil, err
	}
	return s.store.ListEnrollments(ctx, p.ID, l.EmailKey)
}
