package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

// whitelisted is a world whose program whitelists acme.edu with its contract.
func whitelisted(t *testing.T, licences int) *world {
	t.Helper()
	w := newWorld(t, licences)
	svc := whitelist.NewService(w.store, w.admin)
	if _, err := svc.Add(context.Background(), w.boss, w.org.ID, w.program.ID, whitelist.NewDomain{Domain: "ACME.edu.", ContractID: w.contract.ID}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSelfJoinMatchesDomainsExactly(t *testing.T) {
	ctx := context.Background()
	w := whitelisted(t, 10)
	tests := []struct {
		email string
		code  string
	}{
		{"jo@acme.edu", ""},
		{"Ann@ACME.EDU", ""},
		{"jo@evil-acme.edu", bo.EFORBIDDEN},
		{"jo@acme.edu.evil.com", bo.EFORBIDDEN},
		{"jo@mail.acme.edu", bo.EFORBIDDEN},
		{"jo@acme.education", bo.EFORBIDDEN},
	}
	for _, tt := range tests {
		_, err := w.invites.Join(ctx, learner(tt.email), w.program.Slug)
		if got := bo.ErrorCode(err); got != tt.code {
			t.Errorf("join as %s: code %q, want %q (%v)", tt.email, got, tt.code, err)
		}
	}
	unverified := learner("zed@acme.edu")
	unverified.EmailVerified = false
	if _, err := w.invites.Join(ctx, unverified, w.program.Slug); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("join with an unverified email: %v", err)
	}
	again, err := w.invites.Join(ctx, learner("jo@acme.edu"), w.program.Slug)
	if err != nil || !again.AlreadyMember {
		t.Fatalf("joining twice: %+v, %v", again, err)
	}
	if n := len(w.mail.to("jo@acme.edu", mail.TemplateProgramWelcome)); n != 1 {
		t.Fatalf("%d welcome emails to jo, want 1", n)
	}
	if _, err := w.invites.Join(ctx, learner("jo@acme.edu"), "no-such-program"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("join an unknown slug: %v", err)
	}
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if c.Used != 2 {
		t.Fatalf("contract used %d, want 2", c.Used)
	}
}

func TestJoinThroughInvitationAndReturn(t *testing.T) {
	ctx := context.Background()
	w := whitelisted(t, 10)
	// A pending invitation is consumed by joining through the URL.
	w.invite(t, "Ivy", "ivy@elsewhere.org")
	page, err := w.invites.ProgramPage(ctx, learner("ivy@elsewhere.org"), w.program.Slug)
	if err != nil || page.Status != invite.JoinInvitation {
		t.Fatalf("page for an invitee: %+v, %v", page, err)
	}
	if _, err := w.invites.Join(ctx, learner("ivy@elsewhere.org"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	if c.Used != 1 || c.Pending != 0 {
		t.Fatalf("after joining through an invitation: used %d pending %d", c.Used, c.Pending)
	}

	// Removed with return allowed: back through the URL, whatever the domain.
	if err := remove(ctx, w.store, w.program.ID, "ivy@elsewhere.org", true); err != nil {
		t.Fatal(err)
	}
	if page, _ := w.invites.ProgramPage(ctx, learner("ivy@elsewhere.org"), w.program.Slug); page.Status != invite.JoinRejoin {
		t.Fatalf("page after removal with return: %+v", page)
	}
	back, err := w.invites.Join(ctx, learner("ivy@elsewhere.org"), w.program.Slug)
	if err != nil || back.Member.State != bo.StateMember {
		t.Fatalf("rejoin: %+v, %v", back, err)
	}
	if n := len(w.mail.to("ivy@elsewhere.org", mail.TemplateProgramWelcome)); n != 2 {
		t.Fatalf("%d welcome emails after joining and rejoining, want 2", n)
	}

	// Removed without return: refused even on a whitelisted domain.
	if _, err := w.invites.Join(ctx, learner("kim@acme.edu"), w.program.Slug); err != nil {
		t.Fatal(err)
	}
	if err := remove(ctx, w.store, w.program.ID, "kim@acme.edu", false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.invites.Join(ctx, learner("kim@acme.edu"), w.program.Slug); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("rejoin without permission: %v", err)
	}
	// A new invitation is how they come back.
	w.invite(t, "Kim", "kim@acme.edu")
	if _, err := w.invites.Join(ctx, learner("kim@acme.edu"), w.program.Slug); err != nil {
		t.Fatalf("join through a new invitation after removal: %v", err)
	}
}

// TestConcurrentSelfJoinsNeverOversell fires 200 self-joins at once at a
// contract of 7 licences.
func TestConcurrentSelfJoinsNeverOversell(t *testing.T) {
	ctx := context.Background()
	const licences, joiners = 7, 200
	w := whitelisted(t, licences)
	var joined, full atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range joiners {
		wg.Go(func() {
			<-start
			_, err := w.invites.Join(ctx, learner(fmt.Sprintf("j%03d@acme.edu", i)), w.program.Slug)
			switch bo.ErrorCode(err) {
			case "":
				joined.Add(1)
			case bo.ELIMIT:
				full.Add(1)
			default:
				t.Errorf("join %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	c, _ := w.store.GetContract(ctx, w.org.ID, w.contract.ID)
	members, _, _ := w.store.ListLearners(ctx, w.program.ID, bo.StateMember, invite.ListQuery{Limit: 100})
	if joined.Load() != licences || full.Load() != joiners-licences || c.Used != licences || len(members) != licences {
		t.Fatalf("joined %d, full %d, used %d, members %d; want exactly %d", joined.Load(), full.Load(), c.Used, len(members), licences)
	}
}

// remove removes a member as an admin's removal will.
func remove(ctx context.Context, s *dynamo.Store, programID, emailKey string, allowReturn bool) error {
	l, err := s.GetLearner(ctx, programID, emailKey)
	if err != nil {
		return err
	}
	return s.RemoveMember(ctx, l, allowReturn, time.Now().UTC())
}

// TestJoinAnswersTheStoredMember: every way into a program (by domain, by
// a pending invitation through the URL or its link, back after a removal
// with return) answers with the member as the table holds it, createdAt
// and the cleared undeliverable mark included.
func TestJoinAnswersTheStoredMember(t *testing.T) {
	ctx := context.Background()
	w := whitelisted(t, 10)
	stored := func(t *testing.T, what string, got bo.Learner) {
		t.Helper()
		want, err := w.store.GetLearner(ctx, w.program.ID, got.EmailKey)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := json.Marshal(got)
		s, _ := json.Marshal(want)
		if string(g) != string(s) {
			t.Errorf("%s answered\n  %s\nthe table holds\n  %s", what, g, s)
		}
		if got.CreatedAt.IsZero() {
			t.Errorf("%s answered a zero createdAt", what)
		}
	}

	byDomain, err := w.invites.Join(ctx, learner("new@acme.edu"), w.program.Slug)
	if err != nil {
		t.Fatal(err)
	}
	stored(t, "join by domain", byDomain.Member)

	w.invite(t, "Ivy", "ivy@elsewhere.org")
	if _, err := w.store.MarkUndeliverable(ctx, "ivy@elsewhere.org", "bounce", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	byInvitation, err := w.invites.Join(ctx, learner("ivy@elsewhere.org"), w.program.Slug)
	if err != nil {
		t.Fatal(err)
	}
	stored(t, "join through a pending invitation", byInvitation.Member)

	if err := remove(ctx, w.store, w.program.ID, "ivy@elsewhere.org", true); err != nil {
		t.Fatal(err)
	}
	back, err := w.invites.Join(ctx, learner("ivy@elsewhere.org"), w.program.Slug)
	if err != nil {
		t.Fatal(err)
	}
	stored(t, "rejoin", back.Member)

	w.invite(t, "Ada", "ada@elsewhere.org")
	accepted, err := w.invites.Accept(ctx, learner("ada@elsewhere.org"), tokenOf(t, w.mail.to("ada@elsewhere.org", mail.TemplateInvitation)[0]))
	if err != nil {
		t.Fatal(err)
	}
	stored(t, "accept", accepted.Member)
}
