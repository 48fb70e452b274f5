package invite

import (
	"context"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// errWithdrawn is the answer to a link that names no pending invitation.
func errWithdrawn() error {
	return bo.Errorf(bo.ENOTFOUND, "this invitation link is not valid or the invitation was withdrawn")
}

// callersToken returns the invitation link's token when it was sent to
// the caller. It returns EUNAUTHORISED or EFORBIDDEN for a caller without
// a verified email, ENOTFOUND for an unknown link and EFORBIDDEN when the
// invitation was sent to another address.
func (s *Service) callersToken(ctx context.Context, caller bo.Caller, token string) (bo.InviteToken, error) {
	email, err := caller.VerifiedEmail()
	if err != nil {
		return bo.InviteToken{}, err
	}
	if token == "" || len(token) > 200 {
		return bo.InviteToken{}, errWithdrawn()
	}
	tok, err := s.store.GetToken(ctx, HashToken(token))
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return bo.InviteToken{}, errWithdrawn()
	} else if err != nil {
		return bo.InviteToken{}, err
	}
	if tok.EmailKey != email.Key {
		return bo.InviteToken{}, bo.Errorf(bo.EFORBIDDEN, "this invitation was sent to another email address: sign in with the invited address")
	}
	return tok, nil
}

// InvitationStatus is where an invitation stands for its invitee.
type InvitationStatus string

// Invitation statuses.
const (
	// InvitationPending may be accepted.
	InvitationPending InvitationStatus = "pending"
	// InvitationAccepted was accepted: the invitee is a member.
	InvitationAccepted InvitationStatus = "accepted"
	// InvitationExpired can no longer be accepted: an admin must resend it.
	InvitationExpired InvitationStatus = "expired"
)

// Brand is how an organisation dresses its pages and emails.
type Brand struct {
	Color   string `json:"color,omitempty"`
	LogoURL string `json:"logoUrl,omitempty"`
}

// InvitationPage is what the invitee sees before accepting: the program,
// its organisation and brand, and whether the invitation can be accepted.
type InvitationPage struct {
	Program     ProgramRef       `json:"program"`
	Tagline     string           `json:"tagline"`
	OrgName     string           `json:"orgName"`
	Brand       *Brand           `json:"brand,omitempty"`
	Email       string           `json:"email"`
	FullName    string           `json:"fullName"`
	Status      InvitationStatus `json:"status"`
	ExpiresAt   time.Time        `json:"expiresAt"`
	InvitedAt   *time.Time       `json:"invitedAt,omitempty"`
	AcceptedAt  *time.Time       `json:"acceptedAt,omitempty"`
	Explanation string           `json:"explanation,omitempty"`
}

// brandOf returns the org's brand colour, or nil when it has none (the
// page then wears the platform's). The logo stays on the admin side: its
// link is a short-lived presigned one that this read-only page does not
// sign.
func brandOf(org bo.Org) *Brand {
	if org.Brand.Color == "" {
		return nil
	}
	return &Brand{Color: org.Brand.Color}
}

// Invitation returns the invitation page of the link's token to its
// invitee, reading only: no licence is taken and nothing is written. It
// returns EUNAUTHORISED or EFORBIDDEN for a caller without a verified
// email, EFORBIDDEN when the invitation was sent to another address, and
// ENOTFOUND for an unknown or withdrawn link.
func (s *Service) Invitation(ctx context.Context, caller bo.Caller, token string) (InvitationPage, error) {
	tok, err := s.callersToken(ctx, caller, token)
	if err != nil {
		return InvitationPage{}, err
	}
	l, err := s.store.GetLearner(ctx, tok.ProgramID, tok.EmailKey)
	if bo.ErrorCode(err) == bo.ENOTFOUND || (err == nil && (l.InvitationID != tok.InvitationID || l.State == bo.StateDeletedMember)) {
		return InvitationPage{}, errWithdrawn()
	} else if err != nil {
		return InvitationPage{}, err
	}
	p, err := s.store.GetProgram(ctx, tok.OrgID, tok.ProgramID)
	if err != nil {
		return InvitationPage{}, err
	}
	org, err := s.store.GetOrg(ctx, tok.OrgID)
	if err != nil {
		return InvitationPage{}, err
	}
	page := InvitationPage{Program: s.programRef(p), Tagline: p.Tagline, OrgName: org.Name, Brand: brandOf(org),
		Email: l.Email, FullName: l.FullName, Status: InvitationPending, ExpiresAt: tok.ExpiresAt, InvitedAt: l.InvitedAt}
	switch {
	case l.State == bo.StateMember:
		page.Status, page.AcceptedAt = InvitationAccepted, l.JoinedAt
		page.Explanation = "you are a member of " + p.Name + ": open the program to start learning"
	case s.Now().After(tok.ExpiresAt):
		page.Status = InvitationExpired
		page.Explanation = "this invitation expired on " + tok.ExpiresAt.Format("2 January 2006") + ": ask your program admin to resend it"
	}
	return page, nil
}
