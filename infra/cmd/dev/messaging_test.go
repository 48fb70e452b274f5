package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// unsubscribeLink finds the unsubscribe link of an email's body.
var unsubscribeLink = regexp.MustCompile(`http://127\.0\.0\.1:\d+/v1/unsubscribe/[A-Za-z0-9_.-]+`)

// messageEmails waits until every address of want has the email of the
// subject, and returns them by address; it fails the test when one does
// not arrive, or comes twice.
func (s *system) messageEmails(t *testing.T, subject string, want []string) map[string]sestest.Sent {
	t.Helper()
	for deadline := time.Now().Add(progressBound); ; time.Sleep(250 * time.Millisecond) {
		got := map[string]sestest.Sent{}
		twice := ""
		for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
			if m.Subject != subject || len(m.To) != 1 {
				continue
			}
			to := strings.ToLower(m.To[0])
			if _, dup := got[to]; dup {
				twice = to
			}
			got[to] = m
		}
		if twice != "" {
			t.Fatalf("%s got %q twice", twice, subject)
		}
		if len(got) >= len(want) || time.Now().After(deadline) {
			addrs := make([]string, 0, len(got))
			for a := range got {
				addrs = append(addrs, a)
			}
			if slices.Sort(addrs); !slices.Equal(addrs, want) {
				t.Fatalf("%q went to %v, want %v", subject, addrs, want)
			}
			return got
		}
	}
}

// waitSent polls a message until it is sent (every recipient planned).
func waitSent(t *testing.T, c caller, path string) reply {
	t.Helper()
	for deadline := time.Now().Add(progressBound); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if r := c.do("GET", path, nil).must(t, 200); r.str("status") == "sent" {
			return r
		}
	}
	t.Fatalf("message %s was not planned within %s", path, progressBound)
	return reply{}
}

// TestMessagingBlackBox is the messaging part of the messaging issue's
// "done when", on the local system over HTTP: each preset previewed and
// sent to its audience, the counts moving, the emails read back with their
// unsubscribe links, one learner unsubscribed by the link and skipped the
// next time, the per-learner cap, and a program admin held to their
// programs.
func TestMessagingBlackBox(t *testing.T) {
	s := startSystem(t)
	ctx := context.Background()
	dean, orgPath, now := s.acme(t)
	// A contract that started a quarter ago, so that a member can have
	// joined two months ago.
	contract := dean.do("POST", orgPath+"/contracts", map[string]any{"name": "Seats", "licences": 20,
		"startsAt": now.AddDate(0, -3, 0), "endsAt": now.AddDate(1, 0, 0)}).must(t, 201).str("id")
	programName := "Data Skills " + s.sender[:8] // slugs are unique on the shared endpoint
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": programName}).must(t, 201)
	programID, slug := program.str("id"), program.str("slug")
	progPath := orgPath + "/programs/" + programID
	dean.do("POST", progPath+"/collections", map[string]any{"name": "All", "items": []any{
		map[string]any{"id": "c0", "type": "course", "name": "Course 0"}, map[string]any{"id": "c1", "type": "course", "name": "Course 1"}}}).must(t, 201)
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)

	// Invitees (no invitation email), a member without enrollment, an
	// enrolled member, one who completed a course, and one enrolled but
	// inactive for two months.
	for _, e := range []string{"inv1@acme.edu", "inv2@acme.edu"} {
		dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Invitee " + e[:4], "email": e, "contractId": contract, "sendEmail": false}).must(t, 201)
	}
	for _, e := range []string{"jo@acme.edu", "ann@acme.edu", "star@acme.edu"} {
		s.as(e).do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
	}
	for _, e := range []string{"ann@acme.edu", "star@acme.edu"} {
		s.as(e).do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 201)
	}
	cfg := emulatortest.Config(t)
	activity := wire.Activity(cfg, wire.ActivityConfig{Base: wire.Base{Table: s.names.Table}}, slog.New(slog.DiscardHandler))
	detail, _ := json.Marshal(map[string]any{"programSlug": slug, "email": "star@acme.edu", "itemId": "c0", "occurredAt": now.Add(-time.Hour),
		"progress": 100, "completedAt": now.Add(-time.Hour)})
	if err := activity(ctx, events.EventBridgeEvent{DetailType: "Learning Activity", Source: "learning.platform", Detail: detail}); err != nil {
		t.Fatal(err)
	}
	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), s.names.Table)
	joined := now.AddDate(0, -2, 0)
	old := bo.Learner{OrgID: strings.TrimPrefix(orgPath, "/v1/orgs/"), ProgramID: programID, Email: "old@acme.edu", EmailKey: "old@acme.edu",
		FullName: "Old Timer", State: bo.StateInvited, ContractID: contract, InvitationID: bo.NewID("inv", joined), InvitedAt: &joined,
		CreatedAt: joined, UpdatedAt: joined}
	if err := store.PutInvitationRow(ctx, old, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Join(ctx, old, joined); err != nil {
		t.Fatal(err)
	}
	old, _ = store.GetLearner(ctx, programID, "old@acme.edu")
	if err := store.Enroll(ctx, old, bo.Enrollment{OrgID: old.OrgID, ProgramID: programID, EmailKey: "old@acme.edu", ItemID: "c1",
		ItemType: bo.ItemCourse, ItemName: "Course 1", CollectionID: "x", UpdatedAt: joined}, 0); err != nil {
		t.Fatal(err)
	}

	presets := dean.do("GET", orgPath+"/message-presets", nil).must(t, 200).get("items").([]any)
	audiences := map[string][]string{
		"remind_to_join":               {"inv1@acme.edu", "inv2@acme.edu"},
		"remind_to_enroll":             {"jo@acme.edu"},
		"encourage_enrolled":           {"ann@acme.edu", "old@acme.edu"},
		"reengage_inactive":            {"old@acme.edu"},
		"congratulate_high_performers": {"star@acme.edu"},
	}
	if len(presets) != len(audiences) {
		t.Fatalf("%d presets, want %d", len(presets), len(audiences))
	}
	for _, p := range presets {
		name := p.(map[string]any)["name"].(string)
		want := audiences[name]
		t.Run(name, func(t *testing.T) {
			m := dean.do("POST", orgPath+"/messages", map[string]any{"preset": name, "senderName": "Acme Learning"}).must(t, 201)
			msgPath := orgPath + "/messages/" + m.str("id")
			pv := dean.do("POST", msgPath+"/preview", nil).must(t, 200)
			subject := strings.ReplaceAll(p.(map[string]any)["subject"].(string), "{{programName}}", programName)
			if pv.num("audience", "count") != len(want) || pv.get("audience", "complete") != true || pv.str("subject") != subject ||
				!slices.Contains(want, strings.ToLower(pv.str("recipient", "email"))) {
				t.Fatalf("preview %s", pv.raw)
			}
			dean.do("POST", msgPath+"/send", map[string]any{}).must(t, 400)
			if r := dean.do("POST", msgPath+"/send", map[string]any{"acceptTerms": true}).must(t, 202); r.str("status") != "sending" {
				t.Fatalf("send %s", r.raw)
			}
			dean.do("POST", msgPath+"/send", map[string]any{"acceptTerms": true}).must(t, 409)
			got := waitSent(t, dean, msgPath)
			if got.num("counts", "planned") != len(want) || got.num("counts", "queued") != len(want) {
				t.Fatalf("counts %s, want %d planned and queued", got.raw, len(want))
			}
			emails := s.messageEmails(t, subject, want)
			for addr, e := range emails {
				link := unsubscribeLink.FindString(e.Body)
				if link == "" || !strings.Contains(e.Body, programName) {
					t.Errorf("the email to %s has no unsubscribe link: %s", addr, e.Body)
				}
				// RFC 8058: the same link in the header, and one-click POST.
				if got := e.Headers.Get("List-Unsubscribe"); got != "<"+link+">" {
					t.Errorf("the email to %s: List-Unsubscribe %q, want <%s>", addr, got, link)
				}
				if got := e.Headers.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
					t.Errorf("the email to %s: List-Unsubscribe-Post %q", addr, got)
				}
			}
			// The mailer counts what it sent against the message.
			sent := 0
			for deadline := time.Now().Add(progressBound); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				if sent = dean.do("GET", msgPath, nil).must(t, 200).num("counts", "sent"); sent >= len(want) {
					break
				}
			}
			if sent != len(want) {
				t.Errorf("counts.sent = %d, want %d", sent, len(want))
			}
		})
	}

	// Ann unsubscribes with the link of her email: the page changes
	// nothing, its one-click form does.
	emails := s.messageEmails(t, "Keep going in "+programName, []string{"ann@acme.edu", "old@acme.edu"})
	link := unsubscribeLink.FindString(emails["ann@acme.edu"].Body)
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "ann@acme.edu") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unsubscribe page: %d %s", res.StatusCode, page)
	}
	if res, err = http.PostForm(link, url.Values{"List-Unsubscribe": {"One-Click"}}); err != nil || res.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %v %v", res, err)
	}
	res.Body.Close()
	again := dean.do("POST", orgPath+"/messages", map[string]any{"preset": "encourage_enrolled",
		"subject": "Keep going again, {{learnerName}}"}).must(t, 201)
	againPath := orgPath + "/messages/" + again.str("id")
	dean.do("POST", againPath+"/send", map[string]any{"acceptTerms": true}).must(t, 202)
	got := waitSent(t, dean, againPath)
	if got.num("counts", "planned") != 2 || got.num("counts", "queued") != 1 || got.num("counts", "unsubscribed") != 1 {
		t.Fatalf("after ann unsubscribed: %s, want 2 planned, 1 queued, 1 unsubscribed", got.raw)
	}
	s.messageEmails(t, "Keep going again, Old Timer", []string{"old@acme.edu"})

	// A cap of one message a week: jo, who had one, is held.
	dean.do("PUT", orgPath+"/messaging-settings", map[string]any{"capLimit": 1, "capWindowDays": 7}).must(t, 200)
	capped := dean.do("POST", orgPath+"/messages", map[string]any{"preset": "remind_to_enroll"}).must(t, 201)
	cappedPath := orgPath + "/messages/" + capped.str("id")
	dean.do("POST", cappedPath+"/send", map[string]any{"acceptTerms": true}).must(t, 202)
	if got := waitSent(t, dean, cappedPath); got.num("counts", "capped") != 1 || got.num("counts", "queued") != 0 {
		t.Fatalf("over the cap: %s", got.raw)
	}

	// A program admin of this program only: another program is refused.
	other := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Leadership " + s.sender[:8]}).must(t, 201).str("id")
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pa@acme.edu", "role": "program_admin", "programIds": []string{programID}}).must(t, 201)
	pa := s.as("pa@acme.edu")
	pa.do("POST", orgPath+"/messages", map[string]any{"preset": "remind_to_join", "audience": map[string]any{"programIds": []string{other}}}).must(t, 403)
	own := pa.do("POST", orgPath+"/messages", map[string]any{"preset": "remind_to_join"}).must(t, 201)
	if ids, _ := own.get("audience", "programIds").([]any); len(ids) != 1 || ids[0] != programID {
		t.Fatalf("a program admin's draft covers %v, want only their program", ids)
	}
	pa.do("GET", orgPath+"/messages/"+again.str("id"), nil).must(t, 404)
}
