package backoffice

import (
	"time"
	"unicode/utf8"
)

// Org is a customer organisation.
type Org struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Brand is what the org's emails and pages show of it.
	Brand     Brand     `json:"brand"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Counts are kept current by every write that changes them.
	Counts Counts `json:"summary"`
	// Licences sums the org's contracts as they stand (on reads only).
	Licences Licences `json:"licences"`
	// CallerRole is the role in the org of the admin who read it (on reads
	// only), for a console to offer what that role may do.
	CallerRole Role `json:"callerRole,omitempty"`
}

// Brand is an organisation's look and the default words of its
// invitations.
type Brand struct {
	// Color is "#rrggbb", or "" for the platform's colour.
	Color string `json:"color"`
	// LogoKey is the stored logo's object key, "" for none; LogoURL is a
	// short-lived link to it, filled in on reads.
	LogoKey string `json:"-"`
	LogoURL string `json:"logoUrl,omitempty"`
	// LogoContentType is the logo's media type (image/png, image/jpeg).
	LogoContentType string `json:"logoContentType,omitempty"`
	// InvitationMessage is the default message of the org's invitation
	// emails; an invitation may carry its own instead.
	InvitationMessage string `json:"invitationMessage"`
}

// Licences is the licence position of an organisation across its
// contracts: how many are used by members, how many of those members have
// enrolled (utilised), and the caps of its active contracts.
type Licences struct {
	Used     int `json:"used"`
	Utilised int `json:"utilised"`
	// Total sums the caps of the active contracts; Unlimited is true when
	// one of them has no cap.
	Total     int  `json:"total"`
	Unlimited bool `json:"unlimited"`
	// LearningHours is the summary's learning minutes in hours, to a tenth.
	LearningHours float64 `json:"learningHours"`
}

// Counts is the summary and learner funnel of an organisation or a program.
type Counts struct {
	Programs  int `json:"programs" dynamodbav:"programs"`
	Contracts int `json:"contracts" dynamodbav:"contracts"`
	// InvitationsSent counts every invitation ever made (accepted and
	// withdrawn ones too; a resend is the same invitation): where the
	// funnel starts. InvitationsPending counts those not yet accepted nor
	// withdrawn; it is stored as "invited", its name before the two were
	// told apart.
	InvitationsSent    int `json:"invitationsSent" dynamodbav:"invitationsSent"`
	InvitationsPending int `json:"invitationsPending" dynamodbav:"invited"`
	Joined             int `json:"joined" dynamodbav:"joined"`
	Enrolled           int `json:"enrolled" dynamodbav:"enrolled"`
	Enrollments        int `json:"enrollments" dynamodbav:"enrollments"`
	Completions        int `json:"completions" dynamodbav:"completions"`
	LearningMinutes    int `json:"learningMinutes" dynamodbav:"learningMinutes"`
}

// Role is what an admin may administer.
type Role string

// Roles of admins.
const (
	// RoleOrgAdmin administers every program of the org, its admins and settings.
	RoleOrgAdmin Role = "org_admin"
	// RoleProgramAdmin administers only the programs named for them.
	RoleProgramAdmin Role = "program_admin"
)

// Admin is a person who administers an organisation or some of its programs.
// Admins are identified by their email address.
type Admin struct {
	OrgID      string    `json:"orgId"`
	Email      string    `json:"email"`
	EmailKey   string    `json:"-"`
	Name       string    `json:"name"`
	Role       Role      `json:"role"`
	ProgramIDs []string  `json:"programIds"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// CanAdminister reports whether the admin may administer the program.
func (a Admin) CanAdminister(programID string) bool {
	if a.Role == RoleOrgAdmin {
		return true
	}
	for _, id := range a.ProgramIDs {
		if id == programID {
			return true
		}
	}
	return false
}

// ContractStatus is where a contract stands at a moment.
type ContractStatus string

// Contract statuses.
const (
	ContractUpcoming ContractStatus = "upcoming"
	ContractActive   ContractStatus = "active"
	ContractExpired  ContractStatus = "expired"
)

// LicenceKind is what takes one licence of a contract.
type LicenceKind string

// Licence kinds.
const (
	// LicencePerMembership: each member of a program on the contract takes
	// one licence when they join, and gives it back when removed.
	LicencePerMembership LicenceKind = "membership"
	// LicencePerEnrollment: joining is free; each first enrollment of a
	// member in a catalogue item takes one licence for good (enrolling in
	// the same item again after leaving it takes none).
	LicencePerEnrollment LicenceKind = "enrollment"
)

// Contract is a source of licences: a cap (or unlimited) and a term.
type Contract struct {
	OrgID     string `json:"orgId"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Unlimited bool   `json:"unlimited"`
	// Kind says what takes a licence: a membership or an enrollment.
	Kind     LicenceKind `json:"licenceKind"`
	Licences int         `json:"licences"`
	// Used counts the licences in use: members on a per-membership
	// contract, enrollments taken on a per-enrollment one.
	Used int `json:"used"`
	// Members counts the members on the contract (on a per-membership
	// contract, Used).
	Members int `json:"members"`
	// RenewsID names the contract this one renews; RenewedByID the one
	// that renews it ("" for none).
	RenewsID    string `json:"renewsId,omitempty"`
	RenewedByID string `json:"renewedById,omitempty"`
	// Pending counts the invitations against the contract not yet accepted:
	// each will take a licence when it is.
	Pending int `json:"pending"`
	// Utilised counts the members on the contract who ever enrolled.
	Utilised  int       `json:"utilised"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Status returns whether the contract is upcoming, active or expired at now.
// A contract is active from StartsAt (inclusive) to EndsAt (exclusive).
func (c Contract) Status(now time.Time) ContractStatus {
	switch {
	case now.Before(c.StartsAt):
		return ContractUpcoming
	case !now.Before(c.EndsAt):
		return ContractExpired
	}
	return ContractActive
}

// Remaining returns the licences left, and false for an unlimited contract.
func (c Contract) Remaining() (int, bool) {
	if c.Unlimited {
		return 0, false
	}
	return max(c.Licences-c.Used, 0), true
}

// Program is a learning program: a catalogue of courses that members of the
// org join.
type Program struct {
	OrgID   string `json:"orgId"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Tagline string `json:"tagline"`
	// Slug is unique across the platform and immutable; it names the program
	// in its URL.
	Slug string `json:"slug"`
	// EnrollmentLimit caps each member's current course enrollments; 0 means
	// no limit.
	EnrollmentLimit int `json:"enrollmentLimit"`
	// BannerKey is the stored banner image's object key, "" for none;
	// BannerURL is a short-lived link to it, filled in on reads.
	BannerKey string `json:"-"`
	BannerURL string `json:"bannerUrl,omitempty"`
	// BannerContentType is the banner's media type (image/png, image/jpeg).
	BannerContentType string    `json:"bannerContentType,omitempty"`
	Members           int       `json:"members"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
	Counts            Counts    `json:"summary"`
	// Reminders is the state of the program's automated invitation
	// reminders, shown by the automated messages routes only.
	Reminders ProgramReminders `json:"-"`
}

// ProgramReminders is the state of a program's automated invitation
// reminders.
type ProgramReminders struct {
	// Off is true when an org admin switched them off.
	Off bool
	// LastRun is the latest Saturday they ran for the program, as
	// 2026-11-28; "" before the first.
	LastRun string
}

// ItemType is the kind of a catalogue item.
type ItemType string

// Catalogue item types.
const (
	ItemCourse         ItemType = "course"
	ItemSpecialization ItemType = "specialization"
)

// CatalogItem is a course or a specialisation in a collection.
type CatalogItem struct {
	ID         string   `json:"id" dynamodbav:"id"`
	Type       ItemType `json:"type" dynamodbav:"type"`
	Name       string   `json:"name" dynamodbav:"name"`
	Slug       string   `json:"slug" dynamodbav:"slug"`
	University string   `json:"university,omitempty" dynamodbav:"university,omitempty"`
	// CourseIDs are the courses of a specialisation, in order.
	CourseIDs []string `json:"courseIds,omitempty" dynamodbav:"courseIds,omitempty"`
}

// Collection is a named, ordered group of catalogue items in a program.
type Collection struct {
	ProgramID   string        `json:"programId"`
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Position    int           `json:"position"`
	Items       []CatalogItem `json:"items"`
	// Version increases with every write; writes are conditional on it.
	Version   int       `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ItemIndex returns the position of the item in the collection, or -1.
func (c Collection) ItemIndex(itemID string) int {
	for i, it := range c.Items {
		if it.ID == itemID {
			return i
		}
	}
	return -1
}

// InvitationMessageFor returns the message the invitation emails to l
// carry: the invitation's own, else the org's default ("" when neither
// has one).
func (o Org) InvitationMessageFor(l Learner) string {
	if l.InvitationMessage != "" {
		return l.InvitationMessage
	}
	return o.Brand.InvitationMessage
}

// MaxInvitationMessageRunes bounds an invitation message: the org's
// default and an invitation's own.
const MaxInvitationMessageRunes = 2000

// CheckInvitationMessage records on v what is wrong with an invitation
// message: more than MaxInvitationMessageRunes characters, or a control
// character other than a line break or tab. "" is a valid message (none).
func CheckInvitationMessage(v *Validation, field, s string) {
	if utf8.RuneCountInString(s) > MaxInvitationMessageRunes {
		v.Add(field, "must be at most %d characters", MaxInvitationMessageRunes)
		return
	}
	CheckText(v, field, s, true)
}
