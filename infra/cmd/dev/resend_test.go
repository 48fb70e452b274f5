package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// invitationsTo counts the invitation emails sent to the address once the
// mail queue is drained.
func (s *system) invitationsTo(t *testing.T, email string) int {
	t.Helper()
	s.drained(resources.MailQueue.Name)
	n := 0
	for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], email) && strings.Contains(m.Subject, "invit") {
			n++
		}
	}
	return n
}

// TestInvitationResendBlackBox: a program admin resends every pending
// invitation of the program in the background; the unsubscribed learner
// is skipped, the member is not in the selection, and the others get a
// second invitation email with a working link. The org admin's second
// resend, of picked addresses, meets the org's per-learner cap and an
// address with no pending invitation. Bad selections are 400 and write
// nothing; another org's admin gets 403, and the program admin a 404 on a
// program they do not administer.
func TestInvitationResendBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	orgID := strings.TrimPrefix(orgPath, "/v1/orgs/")
	seats := s.contract(t, dean, orgPath, "Seats", 10)
	progA := dean.do("POST", orgPath+"/programs", map[string]any{"name": "A " + s.sender[:8]}).must(t, 201)
	progB := dean.do("POST", orgPath+"/programs", map[string]any{"name": "B " + s.sender[:8]}).must(t, 201)
	pathA, pathB := orgPath+"/programs/"+progA.str("id"), orgPath+"/programs/"+progB.str("id")
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin",
		"programIds": []any{progA.str("id")}}).must(t, 201)
	pam := s.as("pam@acme.edu")
	dean.do("PUT", orgPath+"/messaging-settings", map[string]any{"capLimit": 1, "capWindowDays": 7}).must(t, 200)
	for _, e := range []string{"ada@acme.edu", "bob@acme.edu", "cy@acme.edu", "dee@acme.edu"} {
		dean.do("POST", pathA+"/invitations", map[string]any{"fullName": "Learner " + e, "email": e, "contractId": seats}).must(t, 201)
	}
	s.as("dee@acme.edu").do("POST", "/v1/invitations/"+s.tokenFor("dee@acme.edu")+"/accept", nil).must(t, 200)
	store := dynamo.NewStore(dynamodb.NewFromConfig(emulatortest.Config(t)), s.names.Table)
	if err := store.OptOut(t.Context(), orgID, "cy@acme.edu", now); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"ada@acme.edu", "bob@acme.edu", "cy@acme.edu"} {
		if n := s.invitationsTo(t, e); n != 1 {
			t.Fatalf("%d first invitations to %s", n, e)
		}
	}

	// Refused: a selection that mixes picks and filters, a bad address;
	// another org's admin; a program the program admin does not have.
	pam.do("POST", pathA+"/invitation-resends", map[string]any{"emails": []any{"ada@acme.edu"}, "search": "a"}).must(t, 400)
	pam.do("POST", pathA+"/invitation-resends", map[string]any{"emails": []any{"not-an-email"}}).must(t, 400)
	pam.do("POST", pathA+"/invitation-resends", map[string]any{"colour": "red"}).must(t, 400)
	s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Other", "admins": []any{map[string]any{"email": "olga@other.example"}}}).must(t, 201)
	olga := s.as("olga@other.example")
	olga.do("POST", pathA+"/invitation-resends", map[string]any{}).must(t, 403)
	pam.do("POST", pathB+"/invitation-resends", map[string]any{}).must(t, 404)

	// The program admin resends every pending invitation.
	created := pam.do("POST", pathA+"/invitation-resends", map[string]any{}).must(t, 202)
	if created.str("status") != "queued" || created.header.Get("Location") != pathA+"/invitation-resends/"+created.str("id") {
		t.Fatalf("created %s (Location %q)", created.raw, created.header.Get("Location"))
	}
	olga.do("GET", pathA+"/invitation-resends/"+created.str("id"), nil).must(t, 403)
	pam.do("GET", pathB+"/invitation-resends/"+created.str("id"), nil).must(t, 404)
	dean.do("GET", pathA+"/member-exports/"+created.str("id"), nil).must(t, 404)
	done := waitJob(t, pam, pathA+"/invitation-resends/"+created.str("id"))
	if done.str("status") != "done" || done.num("considered") != 3 || done.num("resent") != 2 || done.num("skipped", "unsubscribed") != 1 {
		t.Fatalf("resend %s", done.raw)
	}
	for email, want := range map[string]int{"ada@acme.edu": 2, "bob@acme.edu": 2, "cy@acme.edu": 1, "dee@acme.edu": 1} {
		if n := s.invitationsTo(t, email); n != want {
			t.Errorf("%d invitation emails to %s, want %d", n, email, want)
		}
	}

	// The org admin picks Ada again, Dee (a member) and a stranger: the cap
	// of one admin email a week holds Ada back.
	picked := dean.do("POST", pathA+"/invitation-resends", map[string]any{"emails": []any{"ADA@acme.edu", "dee@acme.edu", "nobody@acme.edu"}}).must(t, 202)
	done = waitJob(t, dean, pathA+"/invitation-resends/"+picked.str("id"))
	if done.str("status") != "done" || done.num("considered") != 3 || done.num("resent") != 0 ||
		done.num("skipped", "capped") != 1 || done.num("skipped", "not_pending") != 2 {
		t.Fatalf("picked resend %s", done.raw)
	}
	if n := s.invitationsTo(t, "ada@acme.edu"); n != 2 {
		t.Errorf("%d invitation emails to ada after the capped resend, want 2", n)
	}
}
