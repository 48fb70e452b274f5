package backoffice

import "time"

// The members view's value types: its statuses and sort orders, a query
// of it and a page of it. The members service answers them, the store
// reads them, and the messaging service picks an audience with them, so
// they live here rather than in any one of those packages.

// MemberStatus is one of the eight learner activity statuses an admin filters by.
type MemberStatus string

// The learner activity statuses of the guide.
const (
	MemberJoined        MemberStatus = "joined"             // joined this program
	MemberInvitedNever  MemberStatus = "invited_not_joined" // invited but never joined
	MemberNoEnrollments MemberStatus = "no_enrollments"     // joined but no current enrollments
	MemberNoCompletions MemberStatus = "no_completions"     // enrolled but no completions
	MemberInactive30    MemberStatus = "inactive_30_days"   // enrolled but inactive for the past 30 days
	MemberInactive90    MemberStatus = "inactive_90_days"   // inactive for the past 90 days
	MemberCompleted30   MemberStatus = "completed_30_days"  // at least one completion in the last 30 days
	MemberRemoved       MemberStatus = "removed"            // removed from this program
)

// MemberStatuses lists the statuses in the guide's order.
var MemberStatuses = []MemberStatus{MemberJoined, MemberInvitedNever, MemberNoEnrollments, MemberNoCompletions, MemberInactive30, MemberInactive90, MemberCompleted30, MemberRemoved}

// MemberSort is the order of the members view.
type MemberSort string

// The members view's sort orders.
const (
	MembersByEmail    MemberSort = "email"
	MembersByName     MemberSort = "name"
	MembersByJoined   MemberSort = "joined"
	MembersByInvited  MemberSort = "invited"
	MembersByActivity MemberSort = "activity"
	// MembersByEnrollments orders by the number of enrollments a learner made
	// (current or ended), then by email.
	MembersByEnrollments MemberSort = "enrollments"
	// MembersByCompletions orders by the number of items a learner completed,
	// then by email.
	MembersByCompletions MemberSort = "completions"
)

// MemberSorts lists the sort orders of the members view.
var MemberSorts = []MemberSort{MembersByEmail, MembersByName, MembersByJoined, MembersByInvited, MembersByActivity, MembersByEnrollments, MembersByCompletions}

// MemberQuery selects one page of the members view.
type MemberQuery struct {
	Status MemberStatus
	Sort   MemberSort
	Desc   bool
	// Search is a prefix of the email or the name.
	Search string
	// ContractIDs keeps the learners on one of these contracts (any when
	// empty).
	ContractIDs []string
	// CourseIDs keeps the learners currently enrolled in one of these
	// courses or specialisations (any when empty).
	CourseIDs []string
	// Undeliverable keeps the learners whose pending invitation is marked
	// undeliverable (their address bounced or complained).
	Undeliverable bool
	Limit         int
	Cursor        string
	// Now is when the 30- and 90-day windows end.
	Now time.Time
}

// MemberPage is one page of the members view, with how many learners were read
// to make it (the cost of the filters that narrow an indexed result).
type MemberPage struct {
	Items      []Learner
	NextCursor string
	Read       int
}
