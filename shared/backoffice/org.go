package backoffice

import "time"

// Org is a customer organisation.
type Org struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Counts are kept current by every write that changes them.
	Counts Counts `json:"summary"`
	// Licences sums the org's contracts as they stand (on reads only).
	Licences Licences `json:"licences"`
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

// Contract is a source of licences: a cap (or unlimited) and a term.
type Contract struct {
	OrgID     string `json:"orgId"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Unlimited bool   `json:"unlimited"`
	Licences  int    `json:"licences"`
	Used      int    `json:"used"`
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
	EnrollmentLimit int       `json:"enrollmentLimit"`
	Members         int       `json:"members"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
	Counts          Counts    `json:"summary"`
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
