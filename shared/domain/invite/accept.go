package invite

import (
	"context"
	"fmt"
	"strconv"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// joinAttempts bounds the retries of a join whose transaction lost a race
// (another accept of the same invitation, or a busy contract).
const joinAttempts = 5

// Accepted is the answer to accepting an invitation.
type Accepted struct {
	Member  bo.Learner `json:"member"`
	Program ProgramRef `json:"program"`
	// AlreadyMember is true when the invitation had been accepted before.
	AlreadyMember bool `json:"alreadyMember"`
}

// Accept makes the signed-in learner a member of the program whose
// invitation link carries the token, consuming a licence of the
// invitation's contract, and queues the program welcome email. The
// learner's profile takes the attributes the org maps from the token's
// claims. Accepting
// again is a no-op that says so. It returns EUNAUTHORISED or EFORBIDDEN for
// a caller without a verified email, EFORBIDDEN when the caller's email is
// not the invited one, ENOTFOUND for an unknown or withdrawn link, ECONFLICT
// for an expired one, and ELIMIT when the contract has no licence left or is
// outside its term.
func (s *Service) Accept(ctx context.Context, caller bo.Caller, token string) (Accepted, error) {
	tok, err := s.callersToken(ctx, caller, token)
	if err != nil {
		return Accepted{}, err
	}
	now := s.Now()
	claimed, err := s.store.ClaimProfile(ctx, tok.OrgID, caller.Claims)
	if err != nil {
		return Accepted{}, err
	}
	for range joinAttempts {
		l, err := s.store.GetLearner(ctx, tok.ProgramID, tok.EmailKey)
		if bo.ErrorCode(err) == bo.ENOTFOUND || (err == nil && l.InvitationID != tok.InvitationID) {
			return Accepted{}, errWithdrawn()
		} else if err != nil {
			return Accepted{}, err
		}
		switch l.State {
		case bo.StateMember:
			return s.welcome(ctx, l, true)
		case bo.StateDeletedMember:
			return Accepted{}, errWithdrawn()
		}
		if now.After(tok.ExpiresAt) {
			return Accepted{}, bo.Errorf(bo.ECONFLICT, "this invitation link expired on %s: ask your program admin to resend the invitation",
				tok.ExpiresAt.Format("2 January 2006"))
		}
		l.Profile = l.Profile.Merge(claimed) // the token's claims win over an import's values
		joined, err := s.store.Join(joinRecord(ctx, now, l, audit.MemberJoin, "invitation"), l, now)
		switch bo.ErrorCode(err) {
		case "":
			return s.welcome(ctx, joined, false)
		case bo.ECONFLICT:
			continue // the invitation changed: read it again
		}
		return Accepted{}, err
	}
	return Accepted{}, bo.Errorf(bo.ECONFLICT, "the invitation is being changed by another request; retry")
}

// welcomeID is the mail id of a membership's welcome: the same for every
// attempt at the same join, another for a later rejoin.
func welcomeID(l bo.Learner) string {
	id := "program-welcome/" + l.ProgramID + "/" + l.EmailKey
	if l.JoinedAt != nil {
		id += "/" + strconv.FormatInt(l.JoinedAt.UnixMilli(), 10)
	}
	return id
}

// welcome queues the program welcome email unless it was queued before, and
// returns the member.
func (s *Service) welcome(ctx context.Context, l bo.Learner, already bool) (Accepted, error) {
	p, err := s.store.GetProgram(ctx, l.OrgID, l.ProgramID)
	if err != nil {
		return Accepted{}, err
	}
	out := Accepted{Member: l, Program: s.programRef(p), AlreadyMember: already}
	if l.WelcomeQueuedAt != nil {
		return out, nil
	}
	org, err := s.store.GetOrg(ctx, l.OrgID)
	if err != nil {
		return out, err
	}
	msg := mail.Message{
		ID: welcomeID(l), To: l.Email, Template: mail.TemplateProgramWelcome, OrgID: l.OrgID, Logo: mail.OrgLogo(org),
		Data: map[string]string{"LearnerName": l.FullName, "OrgName": org.Name, "ProgramName": p.Name, "ProgramURL": out.Program.URL},
	}
	// The mail ID is the same on every attempt, so a welcome queued twice
	// (a crash between queueing and recording it) is still sent once.
	if err := s.outbox.Publish(ctx, []mail.Message{msg}); err != nil {
		return out, fmt.Errorf("queue the welcome email of %s: %w", l.EmailKey, err)
	}
	return out, s.store.MarkQueued(ctx, l, "welcomeQueuedAt", s.Now())
}
