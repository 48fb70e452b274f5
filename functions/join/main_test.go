package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadJoin(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleAccept replays events/join/invitation.json (the page before
// accepting) and accept.json for an invitation whose link token is the
// sample's, twice, and for another learner.
func TestSampleAccept(t *testing.T) {
	w := wiretest.NewWorld(t, 1)
	ctx := context.Background()
	now := time.Now().UTC()
	token := "sample-token-" + bo.NewID("t", now)
	l := bo.Learner{OrgID: w.Org.ID, ProgramID: w.Program.ID, Email: "ada@acme.edu", EmailKey: "ada@acme.edu", FullName: "Ada",
		State: bo.StateInvited, ContractID: w.Contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now, CreatedAt: now, UpdatedAt: now}
	tok := bo.InviteToken{Hash: invite.HashToken(token), OrgID: w.Org.ID, ProgramID: w.Program.ID, EmailKey: l.EmailKey,
		InvitationID: l.InvitationID, ExpiresAt: now.Add(time.Hour)}
	if err := w.Store.PutInvitationRow(ctx, l, &tok); err != nil {
		t.Fatal(err)
	}
	h := wire.Join(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadJoin), slog.New(slog.DiscardHandler))
	// The invitation page first: it reads, and takes no licence.
	var page events.APIGatewayV2HTTPRequest
	w.Event(t, "join", "invitation.json", &page, map[string]string{"tok_x": token, "ada@acme.edu": "ada@acme.edu"})
	if res, err := h(ctx, page); err != nil || res.StatusCode != 200 || !strings.Contains(res.Body, `"status":"pending"`) {
		t.Fatalf("invitation page: %d %s (%v)", res.StatusCode, res.Body, err)
	}
	if c, _ := w.Store.GetContract(ctx, w.Org.ID, w.Contract.ID); c.Used != 0 {
		t.Fatalf("the invitation page took a licence: used %d", c.Used)
	}
	tests := []struct {
		email  string
		status int
		want   string
	}{
		{"ada@acme.edu", 200, `"alreadyMember":false`},
		{"ada@acme.edu", 200, `"alreadyMember":true`},
		{"mallory@evil.example", 403, `"code":"forbidden"`},
	}
	for _, tt := range tests {
		var ev events.APIGatewayV2HTTPRequest
		w.Event(t, "join", "accept.json", &ev, map[string]string{"tok_x": token, "ada@acme.edu": tt.email})
		res, err := h(ctx, ev)
		if err != nil || res.StatusCode != tt.status || !strings.Contains(res.Body, tt.want) {
			t.Fatalf("accept as %s: %d %s (%v); want %d with %s", tt.email, res.StatusCode, res.Body, err, tt.status, tt.want)
		}
	}
	c, _ := w.Store.GetContract(ctx, w.Org.ID, w.Contract.ID)
	if c.Used != 1 {
		t.Fatalf("contract used %d, want 1", c.Used)
	}
}

// TestSamplePageAndJoin replays events/join/program-page.json and join.json
// for a program whose whitelist has the caller's domain.
func TestSamplePageAndJoin(t *testing.T) {
	w := wiretest.NewWorld(t, 1)
	ctx := context.Background()
	if err := w.Store.AddDomain(ctx, bo.WhitelistedDomain{ProgramID: w.Program.ID, Domain: "acme.edu", Display: "acme.edu",
		ContractID: w.Contract.ID, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Samples(t, "join"); len(got) != 4 {
		t.Fatalf("events/join has %v; the tests know 4: add the new ones to a test", got)
	}
	h := wire.Join(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadJoin), slog.New(slog.DiscardHandler))
	tests := []struct {
		file, email string
		status      int
		want        string
	}{
		{"program-page.json", "Jo@ACME.edu", 200, `"status":"can_join_by_domain"`},
		{"join.json", "Jo@ACME.edu", 200, `"fullName":"Jo Bloggs"`},
		{"program-page.json", "Jo@ACME.edu", 200, `"status":"member"`},
		{"join.json", "jo@evil-acme.edu", 403, `"code":"forbidden"`},
		{"join.json", "ann@acme.edu", 409, `"code":"limit_reached"`},
	}
	for _, tt := range tests {
		var ev events.APIGatewayV2HTTPRequest
		w.Event(t, "join", tt.file, &ev, map[string]string{"slug_x": w.Program.Slug, "Jo@ACME.edu": tt.email})
		res, err := h(ctx, ev)
		if err != nil || res.StatusCode != tt.status || !strings.Contains(res.Body, tt.want) {
			t.Fatalf("%s as %s: %d %s (%v); want %d with %s", tt.file, tt.email, res.StatusCode, res.Body, err, tt.status, tt.want)
		}
	}
}
