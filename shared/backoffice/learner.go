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
	// EmailQueuedAt is when the last invitation email was queued.
	EmailQueuedAt *time.Time `json:"emailQueuedAt,omitempty"`
	// WelcomeQueuedAt is when the program welcome email was queued.
	WelcomeQueuedAt *time.Time `json:"-"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
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
