// Package invite brings learners into programs: invitations one by one and
// in bulk from a CSV file, their links, and accepting them under the
// contract's licence cap. It imports neither Lambda nor the AWS SDK.
package invite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// TokenLifetime is how long an invitation link works.
const TokenLifetime = 30 * 24 * time.Hour

// Store is the storage the invitation service needs. Methods return
// ENOTFOUND for a missing entity.
type Store interface {
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
	GetContract(ctx context.Context, orgID, contractID string) (bo.Contract, error)
	GetLearner(ctx context.Context, programID, emailKey string) (bo.Learner, error)
	// CreateInvitation writes the invitation and, when tok is not nil, its
	// link, and counts it on the program and the contract. It returns
	// ECONFLICT when the person is invited to or a member of the program.
	CreateInvitation(ctx context.Context, l bo.Learner, tok *bo.InviteToken) error
	// AddToken stores another link of a pending invitation. It returns
	// ECONFLICT when the invitation is no longer pending.
	AddToken(ctx context.Context, l bo.Learner, tok bo.InviteToken) error
	GetToken(ctx context.Context, hash string) (bo.InviteToken, error)
	// MarkQueued records when an email about the learner was queued: field
	// is "emailQueuedAt" or "welcomeQueuedAt".
	MarkQueued(ctx context.Context, l bo.Learner, field string, at time.Time) error
	// DeleteInvitation deletes a pending invitation and uncounts it. It
	// returns ENOTFOUND when there is no pending invitation for the email.
	DeleteInvitation(ctx context.Context, l bo.Learner) error
	// Join makes the invited learner a member, consuming a licence of the
	// contract, and returns the learner as stored. It returns ELIMIT when
	// the contract has no licence left or is outside its term, and
	// ECONFLICT when the invitation changed in between.
	Join(ctx context.Context, l bo.Learner, now time.Time) (bo.Learner, error)
	// JoinByDomain makes a learner with no standing in the program a member
	// on the contract of l and returns the learner as stored (created now);
	// ECONFLICT when they have one, ELIMIT when the contract is full or
	// outside its term.
	JoinByDomain(ctx context.Context, l bo.Learner, now time.Time) (bo.Learner, error)
	// Rejoin makes a learner removed with return allowed a member again and
	// returns the learner as stored; ECONFLICT when they no longer are,
	// ELIMIT as JoinByDomain.
	Rejoin(ctx context.Context, l bo.Learner, now time.Time) (bo.Learner, error)
	GetProgramBySlug(ctx context.Context, slug string) (bo.Program, error)
	// GetDomain returns the program's whitelisted domain, or ENOTFOUND.
	GetDomain(ctx context.Context, programID, asciiDomain string) (bo.WhitelistedDomain, error)
	// ListLearners returns one page of the program's learners in a state.
	ListLearners(ctx context.Context, programID string, state bo.LearnerState, q ListQuery) ([]bo.Learner, string, error)
	// ClaimProfile returns the profile attributes the token's claims give
	// under the org's claim mapping (nil when it maps none).
	ClaimProfile(ctx context.Context, orgID string, claims map[string]string) (bo.Profile, error)
}

// ListQuery selects a page of learners: by email order (the default) or by
// name, those whose email (or name) starts with Prefix.
type ListQuery struct {
	ByName bool
	Prefix string
	Limit  int
	Cursor string
}

// Authorizer says whether a caller administers a program and which
// contracts may be used (admin.Service).
type Authorizer interface {
	AuthorizeProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error)
	UsableContract(ctx context.Context, orgID, contractID string) (bo.Contract, error)
}

// Outbox puts emails on the mail queue.
type Outbox interface {
	Publish(ctx context.Context, msgs []mail.Message) error
}

// Config is the deployment's configuration of the service.
type Config struct {
	// LearnerAppURL is the base of the links in emails: the accept link is
	// LearnerAppURL + "/invitations/" + token; a program's page is
	// LearnerAppURL + "/programs/" + slug.
	LearnerAppURL string
	// Banners signs the links to programs' banners on their pages; without
	// it a page shows no banner.
	Banners Links
}

// Links signs links to stored files.
type Links interface {
	// PresignGet returns a URL that downloads key until it expires.
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (url string, expires time.Time, err error)
}

// BannerURLLifetime is how long the link to a banner on a program's page
// works.
const BannerURLLifetime = time.Hour

// Service invites learners and lets them accept.
type Service struct {
	store  Store
	auth   Authorizer
	outbox Outbox
	cfg    Config
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Log receives what callers are not shown (slog.Default() unless set).
	Log *slog.Logger
	// Erasures, when set, are the tombstones of people erased from an
	// org: an import skips them (OutcomeErased), and a single invitation
	// clears the tombstone, as the admin brings them back on purpose.
	Erasures Erasures
}

// Erasures are the tombstones of people erased from an org.
type Erasures interface {
	// Erased returns which of the email keys are of people erased from the org.
	Erased(ctx context.Context, orgID string, emailKeys []string) (map[string]bool, error)
	// ClearErasure removes the tombstone of the email key in the org, if any.
	ClearErasure(ctx context.Context, orgID, emailKey string) error
}

// NewService returns a Service.
func NewService(store Store, auth Authorizer, outbox Outbox, cfg Config) *Service {
	cfg.LearnerAppURL = strings.TrimRight(cfg.LearnerAppURL, "/")
	return &Service{store: store, auth: auth, outbox: outbox, cfg: cfg, Now: func() time.Time { return time.Now().UTC() }, Log: slog.Default()}
}

// NewInvitation is a request to invite one learner against a contract.
type NewInvitation struct {
	FullName   string `json:"fullName"`
	Email      string `json:"email"`
	ExternalID string `json:"externalId"`
	ContractID string `json:"contractId"`
	SendEmail  *bool  `json:"sendEmail"`
	// Message is the invitation's own message, shown in its emails
	// instead of the org's default; "" for the default.
	Message string `json:"message"`
}

// Invited is the answer to an invitation: the invitation as it will appear,
// with its program and contract, and whether an email was queued.
type Invited struct {
	Invitation  bo.Learner  `json:"invitation"`
	Program     ProgramRef  `json:"program"`
	Contract    ContractRef `json:"contract"`
	EmailQueued bool        `json:"emailQueued"`
	Warnings    []string    `json:"warnings,omitempty"`
}

// ProgramRef names a program in answers.
type ProgramRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
	URL  string `json:"url"`
}

// ContractRef names a contract in answers, with what is left of it.
type ContractRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Remaining *int   `json:"remaining"`
}

const maxExternalID = 200

// checkLearner validates the learner fields of an invitation under the
// field prefix and returns the parsed email.
func checkLearner(v *bo.Validation, fullName, email, externalID string) bo.Email {
	name := strings.TrimSpace(fullName)
	switch {
	case name == "":
		v.Add("fullName", "is required")
	case utf8.RuneCountInString(name) > 200:
		v.Add("fullName", "must be at most 200 characters")
	default:
		bo.CheckText(v, "fullName", name, false)
	}
	e, err := bo.ParseEmail(email)
	if err != nil {
		v.Add("email", "%s", bo.ErrorDetails(err)[0].Message)
	}
	externalID = strings.TrimSpace(externalID)
	switch {
	case utf8.RuneCountInString(externalID) > maxExternalID:
		v.Add("externalId", "must be at most %d characters", maxExternalID)
	default:
		bo.CheckText(v, "externalId", externalID, false)
	}
	return e
}

// Invite invites one learner to a program against a contract of its org
// and, unless SendEmail is false, queues the invitation email. It returns
// EINVALID for bad input, ECONFLICT when the person is already invited or
// a member (saying which) or the contract has expired, and the errors of
// AuthorizeProgram.
func (s *Service) Invite(ctx context.Context, caller bo.Caller, orgID, programID string, in NewInvitation) (Invited, error) {
	program, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID)
	if err != nil {
		return Invited{}, err
	}
	var v bo.Validation
	email := checkLearner(&v, in.FullName, in.Email, in.ExternalID)
	v.Check(strings.TrimSpace(in.ContractID) != "", "contractId", "is required")
	bo.CheckInvitationMessage(&v, "message", in.Message)
	if err := v.Err(); err != nil {
		return Invited{}, err
	}
	contract, err := s.auth.UsableContract(ctx, orgID, in.ContractID)
	if err != nil {
		return Invited{}, err
	}
	send := in.SendEmail == nil || *in.SendEmail
	now := s.Now()
	l := bo.Learner{
		OrgID: orgID, ProgramID: programID, Email: email.Display, EmailKey: email.Key,
		FullName: strings.TrimSpace(in.FullName), ExternalID: strings.TrimSpace(in.ExternalID),
		State: bo.StateInvited, ContractID: contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now,
		InvitationMessage: strings.TrimSpace(in.Message), CreatedAt: now, UpdatedAt: now,
	}
	var token string
	var tok *bo.InviteToken
	if send {
		t, stored := s.newToken(l, now)
		token, tok = t, &stored
	}
	ctx = audit.For(ctx, now, orgID, programID, audit.InvitationCreate, invitationTarget(l),
		audit.Diff(nil, l, learnerSkip...))
	if err := s.store.CreateInvitation(ctx, l, tok); bo.ErrorCode(err) == bo.ECONFLICT {
		return Invited{}, s.explainExisting(ctx, programID, email)
	} else if err != nil {
		return Invited{}, err
	}
	// Inviting one person by hand is the admin's choice to bring back
	// someone erased: their tombstone goes before their mail is queued,
	// so the mailer sends it.
	if s.Erasures != nil {
		if err := s.Erasures.ClearErasure(ctx, orgID, email.Key); err != nil {
			return Invited{}, err
		}
	}
	out := Invited{Invitation: l, Program: s.programRef(program), Contract: contractRef(contract),
		Warnings: LicenceWarnings(contract, contract.Pending+1)}
	if send {
		queued, err := s.queueInvitation(ctx, program, l, token, tok.ExpiresAt, "")
		if err != nil {
			return out, err
		}
		out.Invitation, out.EmailQueued = queued, true
	}
	return out, nil
}

// explainExisting returns the ECONFLICT for inviting someone who is
// already invited or a member.
func (s *Service) explainExisting(ctx context.Context, programID string, email bo.Email) error {
	l, err := s.store.GetLearner(ctx, programID, email.Key)
	if err != nil {
		return bo.Errorf(bo.ECONFLICT, "%s was invited or joined at the same time; reload and retry", email.Display)
	}
	switch l.State {
	case bo.StateMember:
		return &bo.Error{Code: bo.ECONFLICT, Message: l.Email + " is already a member of this program",
			Details: []bo.FieldError{{Field: "email", Message: "is already a member"}}}
	case bo.StateInvited:
		return &bo.Error{Code: bo.ECONFLICT, Message: l.Email + " is already invited to this program; resend the invitation instead",
			Details: []bo.FieldError{{Field: "email", Message: "is already invited"}}}
	}
	return bo.Errorf(bo.ECONFLICT, "%s changed at the same time; reload and retry", email.Display)
}

// newToken returns a fresh link token for the learner and what is stored of it.
func (s *Service) newToken(l bo.Learner, now time.Time) (string, bo.InviteToken) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	return token, bo.InviteToken{
		Hash: HashToken(token), OrgID: l.OrgID, ProgramID: l.ProgramID, EmailKey: l.EmailKey,
		InvitationID: l.InvitationID, ExpiresAt: now.Add(TokenLifetime),
	}
}

// HashToken returns the stored form of a link token: its SHA-256, in hex.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) programRef(p bo.Program) ProgramRef {
	return ProgramRef{ID: p.ID, Name: p.Name, Slug: p.Slug, URL: s.cfg.LearnerAppURL + "/programs/" + p.Slug}
}

// LicenceWarnings warns when the contract's remaining licences cannot cover
// the given number of pending invitations: some invitees would be refused
// when they join. It returns an empty list otherwise.
func LicenceWarnings(c bo.Contract, pending int) []string {
	remaining, capped := c.Remaining()
	if !capped || pending <= remaining {
		return []string{}
	}
	return []string{fmt.Sprintf("contract %s has %d licences left but %d pending invitations: %d invitees will not be able to join until licences are added",
		c.Name, remaining, pending, pending-remaining)}
}

func contractRef(c bo.Contract) ContractRef {
	ref := ContractRef{ID: c.ID, Name: c.Name}
	if n, capped := c.Remaining(); capped {
		ref.Remaining = &n
	}
	return ref
}

// invitationMessage is the invitation email for a learner and a link
// token, in the org's brand colour and with its logo, with the invitation's own message or
// else the org's default one. Its mail ID is the invitation's, with the resend's suffix for a
// resend: the first email of an invitation is sent once however many times
// it is queued (an import run again, say), and each resend once.
func (s *Service) invitationMessage(org bo.Org, p bo.Program, l bo.Learner, token string, expires time.Time, resend string) mail.Message {
	id := "invitation/" + l.InvitationID
	if resend != "" {
		id += "/resend/" + resend
	}
	return mail.Message{
		ID: id, To: l.Email, Template: mail.TemplateInvitation, OrgID: l.OrgID, Logo: mail.OrgLogo(org),
		Data: map[string]string{
			"LearnerName": l.FullName, "OrgName": org.Name, "ProgramName": p.Name, "ProgramTagline": p.Tagline,
			"AcceptURL": s.cfg.LearnerAppURL + "/invitations/" + token, "ExpiresOn": expires.Format("2 January 2006"),
			"Message": org.InvitationMessageFor(l), "BrandColor": org.Brand.Color,
		},
	}
}

// queueInvitation puts the invitation email on the mail queue and records
// that it was queued.
func (s *Service) queueInvitation(ctx context.Context, p bo.Program, l bo.Learner, token string, expires time.Time, resend string) (bo.Learner, error) {
	org, err := s.store.GetOrg(ctx, l.OrgID)
	if err != nil {
		return l, err
	}
	if err := s.outbox.Publish(ctx, []mail.Message{s.invitationMessage(org, p, l, token, expires, resend)}); err != nil {
		return l, fmt.Errorf("queue the invitation email of %s: %w", l.EmailKey, err)
	}
	now := s.Now()
	if err := s.store.MarkQueued(ctx, l, "emailQueuedAt", now); err != nil {
		return l, err
	}
	l.EmailQueuedAt = &now
	return l, nil
}

// Resend sends a pending invitation's email again, with a new link (earlier
// links keep working until they expire). It returns ENOTFOUND when the
// email has no pending invitation to the program.
func (s *Service) Resend(ctx context.Context, caller bo.Caller, orgID, programID, email string) (bo.Learner, error) {
	program, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID)
	if err != nil {
		return bo.Learner{}, err
	}
	l, err := s.pending(ctx, programID, email)
	if err != nil {
		return bo.Learner{}, err
	}
	now := s.Now()
	token, tok := s.newToken(l, now)
	ctx = audit.For(ctx, now, orgID, programID, audit.InvitationResend, invitationTarget(l),
		audit.Set("invitationId", l.InvitationID))
	if err := s.store.AddToken(ctx, l, tok); err != nil {
		return bo.Learner{}, err
	}
	return s.queueInvitation(ctx, program, l, token, tok.ExpiresAt, tok.Hash[:16])
}

// ResendPending sends the pending invitation l of program p again with a
// new link, for a bulk resend (the caller authorised it): its email's id
// ends in resendID, so that the mailer sends it once for that resend however
// often this is called for it. It returns the store's and the queue's
// errors.
func (s *Service) ResendPending(ctx context.Context, p bo.Program, l bo.Learner, resendID string) error {
	token, tok := s.newToken(l, s.Now())
	if err := s.store.AddToken(ctx, l, tok); err != nil {
		return err
	}
	_, err := s.queueInvitation(ctx, p, l, token, tok.ExpiresAt, resendID)
	return err
}

// pending returns the pending invitation of an email to a program, or
// ENOTFOUND.
func (s *Service) pending(ctx context.Context, programID, email string) (bo.Learner, error) {
	e, err := bo.ParseEmail(email)
	if err != nil {
		return bo.Learner{}, err
	}
	l, err := s.store.GetLearner(ctx, programID, e.Key)
	if err == nil && l.State != bo.StateInvited {
		err = bo.Errorf(bo.ENOTFOUND, "%s has no pending invitation to this program (%s)", e.Display, strings.ToLower(string(l.State)))
	} else if bo.ErrorCode(err) == bo.ENOTFOUND {
		err = bo.Errorf(bo.ENOTFOUND, "%s has no pending invitation to this program", e.Display)
	}
	return l, err
}

// Remove deletes pending invitations (at most bo.MaxRemovals): their links
// stop working at once. It removes each it can and reports every email's
// outcome, including those that failed on a storage error (reason
// "internal error", logged); it returns EINVALID for an empty or oversized
// list.
func (s *Service) Remove(ctx context.Context, caller bo.Caller, orgID, programID string, emails []string) ([]bo.Removal, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return nil, err
	}
	return bo.RemoveEach(ctx, s.Log.With(slog.String("programId", programID)), "remove invitation", emails,
		func(ctx context.Context, email string) error {
			l, err := s.pending(ctx, programID, email)
			if err != nil {
				return err
			}
			return s.store.DeleteInvitation(s.revoked(ctx, l), l)
		})
}

// RemoveOne deletes one pending invitation. It returns ENOTFOUND when the
// email has none.
func (s *Service) RemoveOne(ctx context.Context, caller bo.Caller, orgID, programID, email string) error {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return err
	}
	l, err := s.pending(ctx, programID, email)
	if err != nil {
		return err
	}
	return s.store.DeleteInvitation(s.revoked(ctx, l), l)
}

// revoked returns ctx carrying the record of withdrawing l's invitation.
func (s *Service) revoked(ctx context.Context, l bo.Learner) context.Context {
	return audit.For(ctx, s.Now(), l.OrgID, l.ProgramID, audit.InvitationRevoke, invitationTarget(l),
		[]audit.Change{{Field: "state", Old: string(l.State)}, {Field: "invitationId", Old: l.InvitationID}})
}

// invitationTarget names an invitation in the log by the address it went
// to, which is what an admin searches for.
func invitationTarget(l bo.Learner) audit.Target {
	return audit.Target{Type: audit.TargetInvitation, ID: l.Email}
}

// learnerSkip are the fields of a learner the log leaves out of an
// invitation's record: its keys and times.
var learnerSkip = []string{"orgId", "programId", "createdAt", "updatedAt", "invitedAt", "allowReturn",
	"currentEnrollments", "enrollments", "completions"}

// List returns a page of the program's pending invitations, in email order
// (or name order with ByName), those whose email or name starts with the
// prefix.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID, programID string, q ListQuery) ([]bo.Learner, string, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return nil, "", err
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > 100 {
		return nil, "", bo.Invalid("limit must be between 1 and 100", bo.FieldError{Field: "limit", Message: "must be between 1 and 100"})
	}
	// An email prefix is matched in the canonical form of addresses (ASCII
	// lowered, nothing folded); a name prefix in lower case, as names are kept.
	if q.Prefix = strings.TrimSpace(q.Prefix); q.ByName {
		q.Prefix = strings.ToLower(q.Prefix)
	} else {
		q.Prefix = bo.LowerASCII(q.Prefix)
	}
	return s.store.ListLearners(ctx, programID, bo.StateInvited, q)
}
