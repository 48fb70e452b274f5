package invite

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// JoinOption is how a signed-in learner stands towards a program.
type JoinOption string

// Join options, as the program page shows them.
const (
	JoinMember     JoinOption = "member"
	JoinByDomain   JoinOption = "can_join_by_domain"
	JoinRejoin     JoinOption = "can_rejoin"
	JoinInvitation JoinOption = "has_invitation"
	JoinNone       JoinOption = "cannot_join"
)

// ProgramPage is what a signed-in learner sees at a program's URL.
type ProgramPage struct {
	Program ProgramRef `json:"program"`
	Tagline string     `json:"tagline"`
	// BannerURL is a link to the program's banner, "" without one.
	BannerURL string     `json:"bannerUrl,omitempty"`
	Status    JoinOption `json:"status"`
	// Reason explains a status of cannot_join.
	Reason string `json:"reason,omitempty"`
}

// standing is where the caller stands towards a program, with the
// learner record or the whitelisted domain that decides it.
type standing struct {
	option  JoinOption
	reason  string
	learner bo.Learner
	domain  bo.WhitelistedDomain
}

// standingOf decides how the learner with the email stands towards the
// program.
func (s *Service) standingOf(ctx context.Context, p bo.Program, email bo.Email) (standing, error) {
	l, err := s.store.GetLearner(ctx, p.ID, email.Key)
	switch {
	case err == nil && l.State == bo.StateMember:
		return standing{option: JoinMember, learner: l}, nil
	case err == nil && l.State == bo.StateInvited:
		return standing{option: JoinInvitation, learner: l}, nil
	case err == nil && l.AllowReturn:
		return standing{option: JoinRejoin, learner: l}, nil
	case err == nil:
		return standing{option: JoinNone, learner: l,
			reason: "you were removed from this program: only a new invitation from its admins can bring you back"}, nil
	case bo.ErrorCode(err) != bo.ENOTFOUND:
		return standing{}, err
	}
	// A whitelist entry's key is its domain's canonical form (as
	// whitelist.MatchEmailDomain looks it up).
	key, ok := bo.CanonicalDomain(email.Domain())
	if ok {
		d, err := s.store.GetDomain(ctx, p.ID, key)
		if err == nil {
			return standing{option: JoinByDomain, domain: d}, nil
		} else if bo.ErrorCode(err) != bo.ENOTFOUND {
			return standing{}, err
		}
	}
	return standing{option: JoinNone, reason: "your email domain " + email.Domain() +
		" is not on this program's whitelist: ask its admins for an invitation"}, nil
}

// programBySlug returns the program at the slug, or ENOTFOUND.
func (s *Service) programBySlug(ctx context.Context, slug string) (bo.Program, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" || len(slug) > 60 {
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program at %q", slug)
	}
	return s.store.GetProgramBySlug(ctx, slug)
}

// ProgramPage returns the program at the slug as a signed-in learner sees
// it, with whether and how they can join. A caller without a verified email
// sees that they cannot join, and why. The page carries a link to the
// program's banner when it has one. It returns ENOTFOUND for an unknown
// slug and EUNAUTHORISED for a token without an email.
func (s *Service) ProgramPage(ctx context.Context, caller bo.Caller, slug string) (ProgramPage, error) {
	p, err := s.programBySlug(ctx, slug)
	if err != nil {
		return ProgramPage{}, err
	}
	page := ProgramPage{Program: s.programRef(p), Tagline: p.Tagline}
	if p.BannerKey != "" && s.cfg.Banners != nil {
		if page.BannerURL, _, err = s.cfg.Banners.PresignGet(ctx, p.BannerKey, BannerURLLifetime, ""); err != nil {
			return ProgramPage{}, err
		}
	}
	email, err := caller.VerifiedEmail()
	if bo.ErrorCode(err) == bo.EFORBIDDEN {
		page.Status, page.Reason = JoinNone, "your email address is not verified: verify it to join"
		return page, nil
	} else if err != nil {
		return ProgramPage{}, err
	}
	st, err := s.standingOf(ctx, p, email)
	if err != nil {
		return ProgramPage{}, err
	}
	page.Status, page.Reason = st.option, st.reason
	return page, nil
}

// Join makes the signed-in learner a member of the program at the slug:
// through their pending invitation if they have one, back after a removal
// that allowed return, or by their verified email's domain being exactly on
// the program's whitelist, consuming a licence of the domain's contract
// under the same cap as invitations; their profile takes the attributes
// the org maps from the token's claims. Joining again is a no-op that says so.
// It queues the program welcome email. It returns ENOTFOUND for an unknown
// slug, EFORBIDDEN for an unverified email, a domain not on the whitelist
// or a removal without return, and ELIMIT when the contract is full or
// outside its term.
func (s *Service) Join(ctx context.Context, caller bo.Caller, slug string) (Accepted, error) {
	email, err := caller.VerifiedEmail()
	if err != nil {
		return Accepted{}, err
	}
	p, err := s.programBySlug(ctx, slug)
	if err != nil {
		return Accepted{}, err
	}
	claimed, err := s.store.ClaimProfile(ctx, p.OrgID, caller.Claims)
	if err != nil {
		return Accepted{}, err
	}
	for range joinAttempts {
		st, err := s.standingOf(ctx, p, email)
		if err != nil {
			return Accepted{}, err
		}
		now := s.Now()
		l := st.learner
		switch st.option {
		case JoinMember:
			return s.welcome(ctx, l, true)
		case JoinNone:
			return Accepted{}, bo.Errorf(bo.EFORBIDDEN, "%s", st.reason)
		case JoinInvitation:
			l.Profile = l.Profile.Merge(claimed)
			l, err = s.store.Join(joinRecord(ctx, now, l, audit.MemberJoin, "invitation"), l, now)
		case JoinRejoin:
			l.Profile = l.Profile.Merge(claimed)
			l, err = s.store.Rejoin(joinRecord(ctx, now, l, audit.MemberRejoin, "return"), l, now)
		case JoinByDomain:
			name := strings.Join(strings.Fields(caller.Name), " ")
			if name == "" || utf8.RuneCountInString(name) > 200 {
				name = email.Display[:strings.IndexByte(email.Display, '@')]
			}
			l = bo.Learner{
				OrgID: p.OrgID, ProgramID: p.ID, Email: email.Display, EmailKey: email.Key, FullName: name,
				ContractID: st.domain.ContractID, InvitationID: bo.NewID("join", now), Profile: claimed,
			}
			l, err = s.store.JoinByDomain(joinRecord(ctx, now, l, audit.MemberJoin, "domain"), l, now)
		}
		switch bo.ErrorCode(err) {
		case "":
			return s.welcome(ctx, l, false)
		case bo.ECONFLICT:
			continue // the standing changed under us: read it again
		}
		return Accepted{}, err
	}
	return Accepted{}, bo.Errorf(bo.ECONFLICT, "your membership is being changed by another request; retry")
}

// joinRecord returns ctx carrying the record of a learner joining (or
// rejoining) a program by the way given, in their own name.
func joinRecord(ctx context.Context, at time.Time, l bo.Learner, action, via string) context.Context {
	audit.SetRole(ctx, audit.RoleLearner)
	return audit.For(ctx, at, l.OrgID, l.ProgramID, action, audit.Target{Type: audit.TargetMember, ID: l.Email},
		[]audit.Change{{Field: "state", Old: string(l.State), New: string(bo.StateMember)}, {Field: "via", New: via},
			{Field: "contractId", New: l.ContractID}})
}
