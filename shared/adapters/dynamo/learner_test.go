package dynamo_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// outbox is an invite.Outbox whose Publish is a function field.
type outbox struct {
	PublishFn func(ctx context.Context, msgs []mail.Message) error
}

func (o outbox) Publish(ctx context.Context, msgs []mail.Message) error {
	return o.PublishFn(ctx, msgs)
}

// sentMail collects what the services queue.
type sentMail struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (s *sentMail) outbox() outbox {
	return outbox{PublishFn: func(_ context.Context, msgs []mail.Message) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.msgs = append(s.msgs, msgs...)
		return nil
	}}
}

func (s *sentMail) to(email, template string) []mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mail.Message
	for _, m := range s.msgs {
		if strings.EqualFold(m.To, email) && m.Template == template {
			out = append(out, m)
		}
	}
	return out
}

// tokenOf returns the token in an invitation email's accept link.
func tokenOf(t *testing.T, m mail.Message) string {
	t.Helper()
	u, err := url.Parse(m.Data["AcceptURL"])
	if err != nil {
		t.Fatal(err)
	}
	return u.Path[strings.LastIndex(u.Path, "/")+1:]
}

// world is an org with an org admin, a program and a contract, on a fresh
// table, with the invitation service over it.
type world struct {
	store    *dynamo.Store
	admin    *admin.Service
	invites  *invite.Service
	mail     *sentMail
	boss     bo.Caller
	org      bo.Org
	program  bo.Program
	contract bo.Contract
}

func newWorld(t *testing.T, licences int) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{store: newStore(t), mail: &sentMail{}, boss: learner("boss@acme.edu")}
	w.admin = admin.NewService(w.store, admin.Config{LearnerAppURL: "https://learn.example.com"})
	w.invites = invite.NewService(w.store, w.admin, w.mail.outbox(), invite.Config{LearnerAppURL: "https://learn.example.com"})
	var err error
	w.org, _, err = w.admin.CreateOrg(ctx, learner("op@platform.io", bo.GroupPlatformOperators),
		admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{{Email: "boss@acme.edu"}}})
	if err != nil {
		t.Fatal(err)
	}
	start, end := time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	w.contract, err = w.admin.CreateContract(ctx, w.boss, w.org.ID, admin.NewContract{Name: "Seats", Licences: &licences, StartsAt: &start, EndsAt: &end})
	if err != nil {
		t.Fatal(err)
	}
	w.program, err = w.admin.CreateProgram(ctx, w.boss, w.org.ID, admin.NewProgram{Name: "Data " + bo.NewID("p", time.Now())[2:10]})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// adminContract is a year-long contract of ten licences from now.
func adminContract(name string) admin.NewContract {
	ten, start, end := 10, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	return admin.NewContract{Name: name, Licences: &ten, StartsAt: &start, EndsAt: &end}
}

func learner(email string, groups ...string) bo.Caller {
	return bo.Caller{Subject: "sub-" + email, Email: email, EmailVerified: true, Groups: groups}
}

func (w *world) invite(t *testing.T, name, email string) invite.Invited {
	t.Helper()
	out, err := w.invites.Invite(context.Background(), w.boss, w.org.ID, w.program.ID,
		invite.NewInvitation{FullName: name, Email: email, ContractID: w.contract.ID})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return out
}

func TestInviteAcceptAndLicences(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 2)
	out := w.invite(t, "Ada Lovelace", "Ada@Example.COM")
	if !out.EmailQueued || out.Invitation.Email != "Ada@example.com" || out.Invitation.State != bo.StateInvited || out.Program.ID != w.program.ID {
		t.Fatalf("invited %+v", out)
	}
	// Inviting again, in any case, is a conflict that says which.
	_, err := w.invites.Invite(ctx, w.boss, w.org.ID, w.program.ID, invite.NewInvitation{FullName: "Ada", Email: "ada@example.com", ContractID: w.contract.ID})
	if bo.ErrorCode(err) != bo.ECONFLICT || !strings.Contains(bo.ErrorMessage(err), "already invited") {
		t.Fatalf("second invite: %v", err)
	}
	sent := w.mail.to("ada@example.com", mail.TemplateInvitation)
	if len(sent) != 1 || sent[0].Data["ProgramName"] != w.program.Name || sent[0].Data["OrgName"] != "Acme" {
		t.Fatalf("invitation emails %+v", sent)
	}
	token := tokenOf(t, sent[0])

	// Someone else holding the link is refused, and changes nothing.
	if _, err := w.invites.Accept(ctx, learner("mallory@example.com"), token); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("accept by another email: %v", err)
	}
	unverified := learner("ada@example.com")
	unverified.EmailVerified = false
	if _, err := w.invites.Accept(ctx, unverified, token); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("accept with an unverified email: %v", err)
	}
	if l, _ := w.store.GetLearner(ctx, w.program.ID, "ada@example.com"); l.State != bo.StateInvited {
		t.Fatalf("refused accepts changed the invitation: %+v", l)
	}

	acc, err := w.invites.Accept(ctx, learner("ADA@example.com"), token)
	if err != nil || acc.AlreadyMember || acc.Member.State != bo.StateMember || acc.Member.JoinedAt == nil {
		t.Fatalf("accept = %+v, %v", acc, err)
	}
	again, err := w.invites.Accept(ctx, learner("ada@example.com"), token)
	if err != nil || !again.AlreadyMember {
		t.Fatalf("second accept = %+v, %v", again, err)
	}
	if n := len(w.mail.to("ada@example.com", mail.TemplateProgramWelcome)); n != 1 {
		t.Fatalf("%d welcome emails, want 1", n)
	}
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if c.Used != 1 || c.Pending != 0 {
		t.Fatalf("contract used %d pending %d, want 1 and 0", c.Used, c.Pending)
	}
	p, _ := w.store.GetProgram(ctx, w.org.ID, w.program.ID)
	if p.Members != 1 || p.Counts.InvitationsPending != 0 || p.Counts.InvitationsSent != 1 || p.Counts.Joined != 1 {
		t.Fatalf("program counts %+v members %d", p.Counts, p.Members)
	}
	if _, err := w.invites.Invite(ctx, w.boss, w.org.ID, w.program.ID, invite.NewInvitation{FullName: "Ada", Email: "ada@example.com", ContractID: w.contract.ID}); bo.ErrorCode(err) != bo.ECONFLICT || !strings.Contains(bo.ErrorMessage(err), "already a member") {
		t.Fatalf("inviting a member: %v", err)
	}
}

func TestResendRemoveAndWithdrawnLinks(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 10)
	w.invite(t, "Bo Diddley", "bo@example.com")
	first := tokenOf(t, w.mail.to("bo@example.com", mail.TemplateInvitation)[0])
	if _, err := w.invites.Resend(ctx, w.boss, w.org.ID, w.program.ID, "BO@example.com"); err != nil {
		t.Fatal(err)
	}
	msgs := w.mail.to("bo@example.com", mail.TemplateInvitation)
	if len(msgs) != 2 || msgs[0].ID == msgs[1].ID || tokenOf(t, msgs[1]) == first {
		t.Fatalf("resend queued %+v", msgs)
	}
	out, err := w.invites.Remove(ctx, w.boss, w.org.ID, w.program.ID, []string{"bo@example.com", "nobody@example.com", "not an email"})
	if err != nil || len(out) != 3 || !out[0].Removed || out[1].Removed || out[2].Removed {
		t.Fatalf("remove = %+v, %v", out, err)
	}
	for _, tok := range []string{first, tokenOf(t, msgs[1])} {
		if _, err := w.invites.Accept(ctx, learner("bo@example.com"), tok); bo.ErrorCode(err) != bo.ENOTFOUND {
			t.Fatalf("accept of a removed invitation: %v", err)
		}
	}
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if c.Pending != 0 || c.Used != 0 {
		t.Fatalf("contract after removal: pending %d used %d", c.Pending, c.Used)
	}
	// Invited again: a new invitation, and the old links stay dead.
	w.invite(t, "Bo Diddley", "bo@example.com")
	if _, err := w.invites.Accept(ctx, learner("bo@example.com"), first); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("an old link admitted a re-invited learner: %v", err)
	}
}

func TestListInvitationsPagesAndSearches(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 10)
	var emails []string
	for i := range 23 {
		e := fmt.Sprintf("user%02d@example.com", i)
		emails = append(emails, e)
		w.invite(t, fmt.Sprintf("Name %02d", 22-i), e)
	}
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		items, next, err := w.invites.List(ctx, w.boss, w.org.ID, w.program.ID, invite.ListQuery{Limit: 5, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range items {
			got = append(got, l.EmailKey)
		}
		if next == "" {
			break
		}
		if page > 10 {
			t.Fatal("paging does not end")
		}
		cursor = next
	}
	if strings.Join(got, ",") != strings.Join(emails, ",") {
		t.Fatalf("paged emails\n%v\nwant\n%v", got, emails)
	}
	items, _, err := w.invites.List(ctx, w.boss, w.org.ID, w.program.ID, invite.ListQuery{Prefix: "USER1", Limit: 50})
	if err != nil || len(items) != 10 || items[0].EmailKey != "user10@example.com" {
		t.Fatalf("search by email prefix: %d items, %v", len(items), err)
	}
	items, _, err = w.invites.List(ctx, w.boss, w.org.ID, w.program.ID, invite.ListQuery{ByName: true, Prefix: "name 0", Limit: 3})
	if err != nil || len(items) != 3 || items[0].FullName != "Name 00" || items[0].EmailKey != "user22@example.com" {
		t.Fatalf("search by name prefix: %+v, %v", items, err)
	}
	if _, _, err := w.invites.List(ctx, w.boss, w.org.ID, w.program.ID, invite.ListQuery{ByName: true, Cursor: cursor}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("an email-order cursor in a name-order list: %v", err)
	}
	if _, _, err := w.invites.List(ctx, w.boss, w.org.ID, w.program.ID, invite.ListQuery{Prefix: "user2", Cursor: cursor}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("a cursor of another search: %v", err)
	}
	other := newWorld(t, 1)
	if _, _, err := other.store.ListLearners(ctx, other.program.ID, bo.StateInvited, invite.ListQuery{Limit: 5, Cursor: cursor}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("a cursor of another program: %v", err)
	}
}

// TestConcurrentAcceptsNeverOversell fires 200 accepts at once, by 200
// invited learners, at a contract of 50 licences.
func TestConcurrentAcceptsNeverOversell(t *testing.T) {
	ctx := context.Background()
	const licences, learners = 50, 200
	w := newWorld(t, licences)
	// The invitations are written as an import writes them, which is
	// quicker on the emulator than one by one; the accepts are the test.
	tokens := make([]string, learners)
	now := time.Now().UTC()
	for i := range learners {
		e := fmt.Sprintf("l%03d@example.com", i)
		tokens[i] = fmt.Sprintf("token-%03d-%s", i, bo.NewID("t", now))
		l := bo.Learner{OrgID: w.org.ID, ProgramID: w.program.ID, Email: e, EmailKey: e, FullName: "Learner", State: bo.StateInvited,
			ContractID: w.contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now, CreatedAt: now, UpdatedAt: now}
		tok := bo.InviteToken{Hash: invite.HashToken(tokens[i]), OrgID: w.org.ID, ProgramID: w.program.ID, EmailKey: e,
			InvitationID: l.InvitationID, ExpiresAt: now.Add(time.Hour)}
		if err := w.store.PutInvitationRow(ctx, l, &tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.store.AddInvitationCounts(ctx, w.org.ID, w.program.ID, w.contract.ID, learners); err != nil {
		t.Fatal(err)
	}
	var joined, full, other atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range learners {
		wg.Go(func() {
			<-start
			_, err := w.invites.Accept(ctx, learner(fmt.Sprintf("l%03d@example.com", i)), tokens[i])
			switch bo.ErrorCode(err) {
			case "":
				joined.Add(1)
			case bo.ELIMIT:
				full.Add(1)
			default:
				other.Add(1)
				t.Errorf("accept %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	c, err := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if err != nil {
		t.Fatal(err)
	}
	members, _, err := w.store.ListLearners(ctx, w.program.ID, bo.StateMember, invite.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if joined.Load() != licences || full.Load() != learners-licences || c.Used != licences || len(members) != licences {
		t.Fatalf("joined %d, refused as full %d, other %d; contract used %d; %d members — want %d joined and used",
			joined.Load(), full.Load(), other.Load(), c.Used, len(members), licences)
	}
	if c.Pending != learners-licences {
		t.Fatalf("pending %d, want %d", c.Pending, learners-licences)
	}
}

func TestContractTermAndExpiredLinks(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 5)
	w.invite(t, "Cy", "cy@example.com")
	token := tokenOf(t, w.mail.to("cy@example.com", mail.TemplateInvitation)[0])
	// The contract has ended by the time the learner accepts.
	w.invites.Now = func() time.Time { return time.Now().AddDate(2, 0, 0) }
	_, err := w.invites.Accept(ctx, learner("cy@example.com"), token)
	if bo.ErrorCode(err) != bo.ECONFLICT && bo.ErrorCode(err) != bo.ELIMIT {
		t.Fatalf("accept after the contract and the link expired: %v", err)
	}
	w.invites.Now = func() time.Time { return time.Now().Add(invite.TokenLifetime - time.Hour) }
	w.contract.EndsAt = time.Now().Add(24 * time.Hour)
	if _, err := w.invites.Accept(ctx, learner("cy@example.com"), token); err != nil {
		t.Fatalf("accept within both terms: %v", err)
	}
}

// TestSummaryCountsInvitationsSentAndPending: the funnel starts at every
// invitation made; pending ones are those not yet accepted nor withdrawn.
func TestSummaryCountsInvitationsSentAndPending(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 10)
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		w.invite(t, "Learner", e)
	}
	if _, err := w.invites.Accept(ctx, learner("a@example.com"), tokenOf(t, w.mail.to("a@example.com", mail.TemplateInvitation)[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := w.invites.Remove(ctx, w.boss, w.org.ID, w.program.ID, []string{"b@example.com"}); err != nil {
		t.Fatal(err)
	}
	p, _ := w.store.GetProgram(ctx, w.org.ID, w.program.ID)
	o, _ := w.store.GetOrg(ctx, w.org.ID)
	for what, c := range map[string]bo.Counts{"program": p.Counts, "org": o.Counts} {
		if c.InvitationsSent != 3 || c.InvitationsPending != 1 || c.Joined != 1 {
			t.Errorf("%s summary: sent %d pending %d joined %d; want 3, 1 and 1", what, c.InvitationsSent, c.InvitationsPending, c.Joined)
		}
	}
}
