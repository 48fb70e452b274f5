package backoffice

import "time"

// LearnerState is where a learner stands in a program, as in the membership
// report.
type LearnerState string

// Learner states.
const (
	StateInvited       LearnerState = "INVITED"
	StateMember        LearnerState = "MEMBER"
	StateDeletedMember LearnerState = "DELETED_MEMBER"
)

// Learner is a person's standing in one program: an invitation, a
// membership, or a past membership. There is at most one per program and
// email key.
type Learner struct {
	OrgID      string       `json:"orgId"`
	ProgramID  string       `json:"programId"`
	Email      string       `json:"email"`
	EmailKey   string       `json:"-"`
	FullName   string       `json:"fullName"`
	ExternalID string       `json:"externalId,omitempty"`
	State      LearnerState `json:"state"`
	ContractID string       `json:"contractId"`
	// InvitationID changes with every new invitation of the same person, so
	// that links of a withdrawn invitation never admit them.
	InvitationID string     `json:"invitationId,omitempty"`
	InvitedAt    *time.Time `json:"invitedAt,omitempty"`
	JoinedAt     *time.Time `json:"joinedAt,omitempty"`
	RemovedAt    *time.Time `json:"removedAt,omitempty"`
	AllowReturn  bool       `json:"allowReturn"`
	// ImportID names the import job that wrote the invitation, if any.
	ImportID string `json:"importId,omitempty"`
	// InvitationMessage is the invitation's own message to the learner,
	// shown in its emails instead of the org's default ("" for none).
	InvitationMessage string `json:"invitationMessage,omitempty"`
	// EmailQueuedAt is when the last invitation email was queued.
	EmailQueuedAt *time.Time `json:"emailQueuedAt,omitempty"`
	// WelcomeQueuedAt is when the program welcome email was queued.
	WelcomeQueuedAt *time.Time `json:"-"`
	// CurrentEnrollments counts the member's current enrollments, held
	// under the program's enrollment limit; Enrollments counts every
	// enrollment they ever made.
	CurrentEnrollments int `json:"currentEnrollments"`
	Enrollments        int `json:"enrollments"`
	// UtilisedAt is when the member first enrolled: from then on their
	// licence counts as utilised.
	UtilisedAt *time.Time `json:"utilisedAt,omitempty"`
	// LastActivityAt and LastCompletionAt are the member's latest learning
	// activity and course completion in the program.
	LastActivityAt   *time.Time `json:"lastActivityAt,omitempty"`
	LastCompletionAt *time.Time `json:"lastCompletionAt,omitempty"`
	// Completions counts the member's completed courses and specialisations.
	Completions int `json:"completions"`
	// CurrentItems are the catalogue items the member is enrolled in now.
	CurrentItems []string `json:"currentItems,omitempty"`
	// Undeliverable marks a pending invitation whose address bounced hard
	// or complained (SES feedback): the invitation email did not, and no
	// later email will, reach it. UndeliverableReason says what SES
	// reported; UndeliverableAt when. Joining clears them.
	Undeliverable       bool       `json:"undeliverable,omitempty"`
	UndeliverableReason string     `json:"undeliverableReason,omitempty"`
	UndeliverableAt     *time.Time `json:"undeliverableAt,omitempty"`
	// Profile holds the learner's profile attributes: from an import's
	// optional columns, and from their sign-in token's claims when they
	// join (under the org's ClaimMapping; the token's values win).
	Profile   Profile   `json:"profile,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// InviteToken is the stored side of an invitation link: only the SHA-256 of
// the token travels to storage; the token itself is in the email alone.
type InviteToken struct {
	Hash         string
	OrgID        string
	ProgramID    string
	EmailKey     string
	InvitationID string
	ExpiresAt    time.Time
}

// WhitelistedDomain is an email domain whose learners may join a program
// through its URL, consuming licences of the domain's contract.
type WhitelistedDomain struct {
	ProgramID string `json:"programId"`
	// Domain is the normalised form: lower case, no trailing dot, IDN in
	// ASCII (punycode). Matching is exact on it.
	Domain string `json:"domain"`
	// Display is the domain as the admin typed it.
	Display    string    `json:"display"`
	ContractID string    `json:"contractId"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// EnrollmentState is whether an enrollment is current.
type EnrollmentState string

// Enrollment states.
const (
	Enrolled   EnrollmentState = "ENROLLED"
	Unenrolled EnrollmentState = "UNENROLLED"
)

// Enrollment is a member signed up for one course or specialisation of
// the program's catalogue, with their progress in it.
type Enrollment struct {
	OrgID     string   `json:"orgId"`
	ProgramID string   `json:"programId"`
	EmailKey  string   `json:"-"`
	ItemID    string   `json:"itemId"`
	ItemType  ItemType `json:"itemType"`
	ItemName  string   `json:"itemName"`
	// CollectionID is the catalogue collection the learner enrolled from.
	CollectionID string          `json:"collectionId"`
	State        EnrollmentState `json:"state"`
	EnrolledAt   time.Time       `json:"enrolledAt"`
	UnenrolledAt *time.Time      `json:"unenrolledAt,omitempty"`
	// Progress is the share of the item done, 0 to 100; it never goes back.
	Progress        float64  `json:"progress"`
	LearningMinutes int      `json:"learningMinutes"`
	Grade           *float64 `json:"grade,omitempty"`
	// LessonsCompleted and LessonsTotal are the lessons of the item done and
	// in all, as the platform last reported them (0 when it never did).
	LessonsCompleted int `json:"lessonsCompleted"`
	LessonsTotal     int `json:"lessonsTotal"`
	// Verified is set once the platform reports the completion verified
	// (a paid, identity-checked certificate); it stays set.
	Verified bool `json:"verified"`
	// GradeAt is the time of the activity the grade came from.
	GradeAt        *time.Time `json:"-"`
	CompletedAt    *time.Time `json:"completedAt,omitempty"`
	LastActivityAt *time.Time `json:"lastActivityAt,omitempty"`
	// Version increases with every write of progress; writes are
	// conditional on it.
	Version   int       `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}
