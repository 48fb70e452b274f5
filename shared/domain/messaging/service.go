package messaging

import (
	"context"
	"log/slog"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// Store is the storage the service needs. Methods return ENOTFOUND for a
// missing entity.
type Store interface {
	// CreateMessage writes a new draft.
	CreateMessage(ctx context.Context, m Message) error
	GetMessage(ctx context.Context, orgID, messageID string) (Message, error)
	// UpdateDraft writes the message's editable fields and Version, on
	// condition that it is a draft still at Version-1; ECONFLICT otherwise.
	UpdateDraft(ctx context.Context, m Message) error
	// MarkSending turns a draft into a message being sent to the target
	// programs, recording who accepted the terms of use to send it and
	// when (at), on condition that it is a draft; ECONFLICT otherwise.
	MarkSending(ctx context.Context, orgID, messageID string, targets []string, acceptedBy string, at time.Time) error
	// RevertSending turns a message back into a draft, on condition that
	// it is being sent.
	RevertSending(ctx context.Context, orgID, messageID string) error
	CampaignCounts(ctx context.Context, campaign string) (map[string]int, error)
	// MessagingSettings returns the org's settings, DefaultSettings when it
	// has none.
	MessagingSettings(ctx context.Context, orgID string) (Settings, error)
	PutMessagingSettings(ctx context.Context, orgID string, s Settings, at time.Time) error
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
	ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error)
	audienceStore
	ListStore
}

// Authorizer says who the caller is in an org (admin.Service).
type Authorizer interface {
	// AuthorizeOrg returns the caller's admin record in the org, and
	// EFORBIDDEN for someone who is not an admin of it.
	AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

// PlanQueue puts plan items on the messaging function's plan queue.
type PlanQueue interface {
	Send(ctx context.Context, item any) error
}

// Links makes a learner's unsubscribe link (optout.Signer).
type Links interface {
	URL(orgID, emailKey string) string
}

// Config is the deployment's configuration of messaging.
type Config struct {
	// LearnerAppURL is the base of program URLs ({{programUrl}}).
	LearnerAppURL string
	// PublicBaseURL is the API's public base URL, under which a preview
	// shows the org's logo as the mailer will (mail.LogoURL); "" shows none.
	PublicBaseURL string
}

// Service serves the admins who write messages.
type Service struct {
	store Store
	auth  Authorizer
	plans PlanQueue
	cfg   Config
	// Now is the clock; Log receives what callers are not shown.
	Now func() time.Time
	Log *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, auth Authorizer, plans PlanQueue, cfg Config) *Service {
	cfg.LearnerAppURL = strings.TrimRight(cfg.LearnerAppURL, "/")
	return &Service{store: store, auth: auth, plans: plans, cfg: cfg, Now: func() time.Time { return time.Now().UTC() }, Log: slog.Default()}
}

// Draft is a new message: a preset (whose audience and text are the
// defaults) or an audience, and the details; what is left out takes the
// preset's default, the author's name (senderName) or the author's address
// (replyTo).
type Draft struct {
	Preset Preset `json:"preset,omitempty"`
	Change
}

// Change edits a draft: each field given replaces the draft's (an audience
// replaces the whole audience; a callToAction with an empty label and URL
// removes the button).
type Change struct {
	Audience     *Audience     `json:"audience,omitempty"`
	Subject      *string       `json:"subject,omitempty"`
	Content      *string       `json:"content,omitempty"`
	CallToAction *CallToAction `json:"callToAction,omitempty"`
	SenderName   *string       `json:"senderName,omitempty"`
	ReplyTo      ReplyTo       `json:"replyTo,omitempty"`
}

// apply writes the change's fields over m.
func (c Change) apply(m *Message) {
	if c.Audience != nil {
		m.Audience = *c.Audience
	}
	if c.Subject != nil {
		m.Subject = *c.Subject
	}
	if c.Content != nil {
		m.Content = *c.Content
	}
	if c.CallToAction != nil {
		cta := *c.CallToAction
		m.CallToAction = &cta
	}
	if c.SenderName != nil {
		m.SenderName = *c.SenderName
	}
	if c.ReplyTo != "" {
		m.ReplyTo = c.ReplyTo
	}
}

// Presets returns the presets to any admin of the org. It returns the
// errors of AuthorizeOrg.
func (s *Service) Presets(ctx context.Context, caller bo.Caller, orgID string) ([]PresetInfo, error) {
	if _, err := s.auth.AuthorizeOrg(ctx, caller, orgID); err != nil {
		return nil, err
	}
	return Presets, nil
}

// Create saves a new draft written by the caller, an admin of the org. A
// program admin's audience covers only their programs: one that names
// another program is EFORBIDDEN, and one that names none covers theirs.
// It returns EINVALID naming every field at fault (an unknown preset, an
// audience status that is not the preset's), ENOTFOUND for an unknown
// program, and the errors of AuthorizeOrg.
func (s *Service) Create(ctx context.Context, caller bo.Caller, orgID string, d Draft) (Message, error) {
	acc, err := s.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return Message{}, err
	}
	email, _ := caller.VerifiedEmail() // AuthorizeOrg checked it
	now := s.Now()
	m := Message{ID: bo.NewID("msg", now), OrgID: orgID, Status: StatusDraft, Author: Author{Email: email.Display, Name: strings.TrimSpace(caller.Name)},
		ReplyTo: ReplyToAuthor, CreatedAt: now, UpdatedAt: now, Version: 1}
	m.SenderName = m.Author.Name
	if m.SenderName == "" {
		m.SenderName = m.Author.Email
	}
	if d.Preset != "" {
		p, ok := presetNamed(d.Preset)
		if !ok {
			var names []string
			for _, p := range Presets {
				names = append(names, string(p.Name))
			}
			return Message{}, bo.Invalid("unknown preset "+string(d.Preset), bo.FieldError{Field: "preset", Message: "must be one of " + strings.Join(names, ", ")})
		}
		cta := p.CallToAction
		m.Preset, m.Audience.Status, m.Subject, m.Content, m.CallToAction = p.Name, p.Status, p.Subject, p.Content, &cta
		if a := d.Audience; a != nil && a.Learners == nil {
			if a.Status != "" && a.Status != p.Status {
				return Message{}, bo.Invalid("the preset's audience is "+string(p.Status),
					bo.FieldError{Field: "audience.status", Message: "must be " + string(p.Status) + " for the preset " + string(p.Name) + " (or left out)"})
			}
			a.Status = p.Status
		}
	}
	d.apply(&m)
	if err := s.check(ctx, acc, &m); err != nil {
		return Message{}, err
	}
	ctx = audit.For(ctx, now, orgID, messageProgram(m), audit.MessageCreate, audit.Target{Type: audit.TargetMessage, ID: m.ID},
		audit.Diff(nil, m, messageSkip...))
	if err := s.store.CreateMessage(ctx, m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// check normalises and validates a message and holds its audience to the
// author's programs (see Create).
func (s *Service) check(ctx context.Context, acc bo.Admin, m *Message) error {
	normalise(m)
	if err := validate(*m); err != nil {
		return err
	}
	a := &m.Audience
	if acc.Role != bo.RoleOrgAdmin && a.Learners == nil && len(a.ProgramIDs) == 0 {
		if len(acc.ProgramIDs) == 0 {
			return bo.Errorf(bo.EFORBIDDEN, "you administer no program: there is no one you may message")
		}
		a.ProgramIDs = append([]string(nil), acc.ProgramIDs...)
	}
	for _, id := range a.programs() {
		if !acc.CanAdminister(id) {
			return bo.Errorf(bo.EFORBIDDEN, "you do not administer program %s: a program admin messages the learners of their own programs only", id)
		}
		if _, err := s.store.GetProgram(ctx, m.OrgID, id); err != nil {
			return err
		}
	}
	return nil
}

// message returns a message the caller may see, with its counts: any of
// the org's for an org admin, and for a program admin those whose
// audience lies within their programs (others are ENOTFOUND).
func (s *Service) message(ctx context.Context, caller bo.Caller, orgID, messageID string) (Message, bo.Admin, error) {
	acc, err := s.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return Message{}, acc, err
	}
	m, err := s.store.GetMessage(ctx, orgID, messageID)
	if err != nil {
		return Message{}, acc, err
	}
	if acc.Role != bo.RoleOrgAdmin {
		programs := m.Audience.programs()
		for _, id := range programs {
			if !acc.CanAdminister(id) {
				programs = nil
				break
			}
		}
		if len(programs) == 0 {
			return Message{}, acc, bo.Errorf(bo.ENOTFOUND, "message %s not found", messageID)
		}
	}
	if m.Status != StatusDraft {
		counts, err := s.store.CampaignCounts(ctx, Campaign(orgID, messageID))
		if err != nil {
			return Message{}, acc, err
		}
		m.Counts = bo.CampaignCountsOf(counts)
	}
	return m, acc, nil
}

// Get returns a message with its counts so far. It returns ENOTFOUND for a
// message the caller may not see, and the errors of AuthorizeOrg.
func (s *Service) Get(ctx context.Context, caller bo.Caller, orgID, messageID string) (Message, error) {
	m, _, err := s.message(ctx, caller, orgID, messageID)
	return m, err
}

// Update edits a draft. It returns ECONFLICT for a message that is being
// sent or was sent (or another edit at the same time), and the errors of
// Create and Get.
func (s *Service) Update(ctx context.Context, caller bo.Caller, orgID, messageID string, c Change) (Message, error) {
	m, acc, err := s.message(ctx, caller, orgID, messageID)
	if err != nil {
		return Message{}, err
	}
	if m.Status != StatusDraft {
		return Message{}, bo.Errorf(bo.ECONFLICT, "message %s is %s: only a draft can be edited", messageID, m.Status)
	}
	before := m
	c.apply(&m)
	if err := s.check(ctx, acc, &m); err != nil {
		return Message{}, err
	}
	m.UpdatedAt = s.Now()
	m.Version++
	ctx = audit.For(ctx, m.UpdatedAt, orgID, messageProgram(m), audit.MessageUpdate, audit.Target{Type: audit.TargetMessage, ID: m.ID},
		audit.Diff(before, m, messageSkip...))
	if err := s.store.UpdateDraft(ctx, m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// targets returns the programs a message goes to: those its audience
// names, or every program of the org.
func (s *Service) targets(ctx context.Context, m Message) ([]string, error) {
	if ps := m.Audience.programs(); len(ps) > 0 {
		return ps, nil
	}
	if m.Status != StatusDraft {
		return m.Targets, nil
	}
	var ids []string
	page := bo.Page{Limit: bo.MaxPageSize}
	for {
		programs, next, err := s.store.ListPrograms(ctx, m.OrgID, page)
		if err != nil {
			return nil, err
		}
		for _, p := range programs {
			ids = append(ids, p.ID)
		}
		if next == "" {
			return ids, nil
		}
		page.Cursor = next
	}
}

// Send sends a draft, once: it marks it sending (a conditional write on
// its status, so that of concurrent sends one wins) and queues the
// planning of its audience, answering before anyone is planned. The
// caller must accept the terms of use. It returns EINVALID naming
// acceptTerms when they are not accepted, or an audience that covers no
// program; ECONFLICT, saying so, for a message that is being sent or was
// sent already (sending again does nothing); EFORBIDDEN for a program
// admin who no longer administers one of its programs; and the errors of
// Get.
func (s *Service) Send(ctx context.Context, caller bo.Caller, orgID, messageID string, acceptTerms bool) (Message, error) {
	if !acceptTerms {
		return Message{}, bo.Invalid("accept the terms of use and the privacy policy to send a message",
			bo.FieldError{Field: "acceptTerms", Message: "must be true"})
	}
	m, acc, err := s.message(ctx, caller, orgID, messageID)
	if err != nil {
		return Message{}, err
	}
	if m.Status != StatusDraft {
		return Message{}, alreadySent(m)
	}
	for _, id := range m.Audience.programs() {
		if !acc.CanAdminister(id) {
			return Message{}, bo.Errorf(bo.EFORBIDDEN, "you no longer administer program %s", id)
		}
	}
	targets, err := s.targets(ctx, m)
	if err != nil {
		return Message{}, err
	}
	if len(targets) == 0 {
		return Message{}, noProgram()
	}
	now := s.Now()
	email, _ := caller.VerifiedEmail() // AuthorizeOrg checked it
	actor := audit.ActorOf(ctx)
	ctx = audit.For(ctx, now, orgID, messageProgram(m), audit.MessageSend, audit.Target{Type: audit.TargetMessage, ID: m.ID},
		[]audit.Change{{Field: "status", Old: string(StatusDraft), New: string(StatusSending)}, {Field: "programIds", New: strings.Join(targets, ",")}})
	if err := s.store.MarkSending(ctx, orgID, messageID, targets, email.Display, now); err != nil {
		if bo.ErrorCode(err) == bo.ECONFLICT {
			if again, gerr := s.store.GetMessage(ctx, orgID, messageID); gerr == nil {
				return Message{}, alreadySent(again)
			}
		}
		return Message{}, err
	}
	if err := s.plans.Send(ctx, PlanItem{Kind: PlanKind, OrgID: orgID, MessageID: messageID, Actor: &actor}); err != nil {
		// Nothing was planned: make it a draft again, so that sending it
		// again is possible rather than a no-op.
		revert := audit.For(context.WithoutCancel(ctx), s.Now(), orgID, messageProgram(m), audit.MessageSendFinished,
			audit.Target{Type: audit.TargetMessage, ID: m.ID}, []audit.Change{{Field: "status", Old: string(StatusSending), New: string(StatusDraft)},
				{Field: "error", New: "the sending could not be queued"}})
		if rerr := s.store.RevertSending(revert, orgID, messageID); rerr != nil {
			s.Log.ErrorContext(ctx, "message left sending without a plan", slog.String("messageId", messageID), slog.String("error", rerr.Error()))
		}
		return Message{}, err
	}
	m.Status, m.Targets, m.SendingAt, m.UpdatedAt = StatusSending, targets, &now, now
	m.TermsAcceptedBy, m.TermsAcceptedAt = email.Display, &now
	return m, nil
}

// noProgram is the answer to an audience that covers no program.
func noProgram() error {
	return bo.Invalid("the audience covers no program: the organisation has none",
		bo.FieldError{Field: "audience.programIds", Message: "covers no program"})
}

// alreadySent is the answer to sending a message that is not a draft.
func alreadySent(m Message) error {
	return bo.Errorf(bo.ECONFLICT, "message %s was sent already (it is %s): sending it again does nothing", m.ID, m.Status)
}

// Settings returns the org's messaging settings to any admin of the org.
// It returns the errors of AuthorizeOrg.
func (s *Service) Settings(ctx context.Context, caller bo.Caller, orgID string) (Settings, error) {
	if _, err := s.auth.AuthorizeOrg(ctx, caller, orgID); err != nil {
		return Settings{}, err
	}
	return s.store.MessagingSettings(ctx, orgID)
}

// PutSettings changes the org's messaging settings; only org admins may.
// Messages being planned apply the new cap from their next chunk. It
// returns EINVALID naming each setting out of bounds, EFORBIDDEN for a
// program admin, and the errors of AuthorizeOrg.
func (s *Service) PutSettings(ctx context.Context, caller bo.Caller, orgID string, set Settings) (Settings, error) {
	acc, err := s.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return Settings{}, err
	}
	if acc.Role != bo.RoleOrgAdmin {
		return Settings{}, bo.Errorf(bo.EFORBIDDEN, "only org admins may change the messaging settings")
	}
	if err := set.validate(); err != nil {
		return Settings{}, err
	}
	before, err := s.store.MessagingSettings(ctx, orgID)
	if err != nil {
		return Settings{}, err
	}
	now := s.Now()
	ctx = audit.For(ctx, now, orgID, "", audit.MessagingSettingsUpdate, audit.Target{Type: audit.TargetMessagingSettings, ID: orgID},
		audit.Diff(before, set))
	return set, s.store.PutMessagingSettings(ctx, orgID, set, now)
}

// Preview is a message as one recipient would get it, and how many learners
// its audience has.
type Preview struct {
	Recipient Recipient     `json:"recipient"`
	Subject   string        `json:"subject"`
	HTML      string        `json:"html"`
	Text      string        `json:"text"`
	Audience  AudienceCount `json:"audience"`
}

// Recipient is who a preview is rendered for: a learner of the audience,
// or a sample learner when the audience is empty.
type Recipient struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	ProgramID string `json:"programId"`
	Sample    bool   `json:"sample"`
}

// AudienceCount counts the distinct addresses of an audience, before the
// cap and opt-outs; Complete is false when the count stopped at the
// preview's reading budget, and is then a lower bound.
type AudienceCount struct {
	Count    int  `json:"count"`
	Complete bool `json:"complete"`
}

// PreviewBudget bounds the learners a preview reads to count the audience.
const PreviewBudget = 5_000

// PreviewUnsubscribeURL stands in for the unsubscribe link in previews,
// so that an admin's click on it unsubscribes no one.
const PreviewUnsubscribeURL = "https://unsubscribe.example.invalid/preview"

// sampleLearner is the recipient of the preview of an empty audience.
var sampleLearner = bo.Learner{FullName: "Ada Lovelace", Email: "ada.lovelace@example.com", EmailKey: "ada.lovelace@example.com"}

// Preview renders the message for one recipient: the learner with the
// given email in the message's programs, or else the first learner of the
// audience (a sample learner when it has none); and counts the audience.
// It returns ENOTFOUND for an email that is no learner of the message's
// programs, EINVALID for a malformed one, and the errors of Get.
func (s *Service) Preview(ctx context.Context, caller bo.Caller, orgID, messageID, email string) (Preview, error) {
	m, _, err := s.message(ctx, caller, orgID, messageID)
	if err != nil {
		return Preview{}, err
	}
	targets, err := s.targets(ctx, m)
	if err != nil {
		return Preview{}, err
	}
	if len(targets) == 0 {
		return Preview{}, noProgram()
	}
	org, err := s.store.GetOrg(ctx, orgID)
	if err != nil {
		return Preview{}, err
	}
	now := s.Now()
	if m.SendingAt != nil {
		now = *m.SendingAt
	}
	var who *bo.Learner
	if email != "" {
		if who, err = s.namedRecipient(ctx, targets, email); err != nil {
			return Preview{}, err
		}
	}
	var out Preview
	if out.Audience, who, err = s.countAudience(ctx, m, targets, now, who); err != nil {
		return Preview{}, err
	}
	sample := who == nil
	if sample {
		l := sampleLearner
		l.ProgramID = targets[0]
		who = &l
	}
	rendered, err := s.renderFor(ctx, m, org, *who)
	if err != nil {
		return Preview{}, err
	}
	out.Recipient = Recipient{Email: who.Email, Name: who.FullName, ProgramID: who.ProgramID, Sample: sample}
	out.Subject, out.HTML, out.Text = rendered.Subject, rendered.HTML, rendered.Text
	return out, nil
}

// namedRecipient returns the learner with the email in the first of the
// programs that has one (not a deleted member). It returns EINVALID for a
// malformed email, ENOTFOUND when no program has them, and the store's
// errors.
func (s *Service) namedRecipient(ctx context.Context, targets []string, email string) (*bo.Learner, error) {
	e, err := bo.ParseEmail(email)
	if err != nil {
		return nil, err
	}
	for _, pid := range targets {
		found, err := s.store.GetLearners(ctx, pid, []string{e.Key})
		if err != nil {
			return nil, err
		}
		if l, ok := found[e.Key]; ok && l.State != bo.StateDeletedMember {
			return &l, nil
		}
	}
	return nil, bo.Errorf(bo.ENOTFOUND, "%s is not a learner of the message's programs", e.Display)
}

// countAudience counts the message's distinct addresses, reading at most
// PreviewBudget learners, and returns who (or, when it is nil, the
// audience's first learner, nil for an empty audience). It returns the
// store's errors.
func (s *Service) countAudience(ctx context.Context, m Message, targets []string, now time.Time, who *bo.Learner) (AudienceCount, *bo.Learner, error) {
	seen := map[string]bool{}
	count := AudienceCount{Complete: true}
	r := reader{store: s.store, m: m, now: now, size: pageSize}
	err := r.each(ctx, segmentsOf(m, targets), func(l bo.Learner) bool {
		if who == nil {
			first := l
			who = &first
		}
		if len(seen) == PreviewBudget {
			count.Complete = false
			return false
		}
		seen[l.EmailKey] = true
		return true
	})
	if err != nil {
		return AudienceCount{}, nil, err
	}
	count.Count = len(seen)
	return count, who, nil
}

// renderFor renders the message for the learner, in their program, with
// the preview's stand-in unsubscribe link and the org's logo as the
// mailer shows it. It returns the store's and the
// renderer's errors.
func (s *Service) renderFor(ctx context.Context, m Message, org bo.Org, who bo.Learner) (mail.Rendered, error) {
	p, err := s.store.GetProgram(ctx, org.ID, who.ProgramID)
	if err != nil {
		return mail.Rendered{}, err
	}
	c := compileMessage(m, org)
	return mail.Render(c.forProgram(programOf(p, s.cfg.LearnerAppURL)).email(who, PreviewUnsubscribeURL).WithLogoURL(s.cfg.PublicBaseURL))
}

// messageSkip are the fields of a message the log leaves out: its ids,
// times and counts, which no admin sets.
var messageSkip = []string{"id", "orgId", "status", "createdAt", "updatedAt", "sendingAt", "sentAt", "counts"}

// messageProgram is the program a message's record belongs to: the one
// program its audience names, or "" (the org's) for several or all, which
// only org admins see in the log.
func messageProgram(m Message) string {
	if ps := m.Audience.programs(); len(ps) == 1 {
		return ps[0]
	}
	return ""
}
