package mail_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

const (
	campaign       = "message/org_1/msg_1"
	unsubscribeURL = "https://api.learn.example/v1/unsubscribe/tok_abc"
)

// adminMessage is an email of a campaign that is not transactional.
func adminMessage(id string) mail.Message {
	return withMsg(invitation(id), func(m *mail.Message) { m.Campaign, m.UnsubscribeURL = campaign, unsubscribeURL })
}

// TestDeliverChecksReachAtSendTime: an email with an unsubscribe link goes
// only to a reachable address; the others are not sent, counted as what
// held them back, and their claim kept so that a redelivery counts nothing.
func TestDeliverChecksReachAtSendTime(t *testing.T) {
	tableErr := errors.New("table unavailable")
	tests := []struct {
		name    string
		reach   bo.Reach
		err     error
		sent    bool
		counted map[string]int
	}{
		{name: "reachable", reach: bo.Reachable, sent: true, counted: map[string]int{campaign + " sent": 1}},
		{name: "suppressed", reach: bo.Suppressed, counted: map[string]int{campaign + " suppressed": 1}},
		{name: "unsubscribed", reach: bo.Unsubscribed, counted: map[string]int{campaign + " unsubscribed": 1}},
		{name: "the check fails", err: tableErr, counted: map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, held, _ := memClaims()
			var asked []string
			reach := &fakeReach{reachability: func(_ context.Context, orgID string, keys []string) (map[string]bo.Reach, error) {
				asked = append(asked, orgID+" "+strings.Join(keys, ","))
				if tt.err != nil {
					return nil, tt.err
				}
				out := map[string]bo.Reach{}
				if tt.reach != bo.Reachable {
					out[keys[0]] = tt.reach
				}
				return out, nil
			}}
			outcomes, counts := memOutcomes()
			var sent counter
			d := mail.NewDispatcher(claims, countingSender(&sent), noLimit, from, slog.New(slog.DiscardHandler)).WithCampaigns(reach, outcomes)
			m := adminMessage("message/msg_1/ada@example.com")
			err := d.Deliver(context.Background(), m)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Deliver = %v, want %v", err, tt.err)
			}
			if len(asked) != 1 || asked[0] != "org_1 ada@example.com" {
				t.Fatalf("reach asked %v, want once for org_1 and the address's key", asked)
			}
			if (sent.n.Load() == 1) != tt.sent || !maps.Equal(counts(), tt.counted) {
				t.Fatalf("sent %d, counted %v; want sent %v, counted %v", sent.n.Load(), counts(), tt.sent, tt.counted)
			}
			if held[m.ID] != (tt.err == nil) {
				t.Fatalf("claim held %v, want %v (released only after a failed check)", held[m.ID], tt.err == nil)
			}
			if tt.err != nil {
				return
			}
			if err := d.Deliver(context.Background(), m); err != nil || len(asked) != 1 || !maps.Equal(counts(), tt.counted) {
				t.Fatalf("redelivery: %v, reach asked %d times, counted %v; want nothing more", err, len(asked), counts())
			}
		})
	}
}

// TestTransactionalMailIgnoresReach: an email without an unsubscribe link
// (an invitation, a welcome) is sent whatever the address's reach, without
// asking.
func TestTransactionalMailIgnoresReach(t *testing.T) {
	claims, _, _ := memClaims()
	reach := &fakeReach{reachability: func(context.Context, string, []string) (map[string]bo.Reach, error) {
		t.Fatal("reach was checked for a transactional email")
		return nil, nil
	}}
	outcomes, _ := memOutcomes()
	var sent counter
	d := mail.NewDispatcher(claims, countingSender(&sent), noLimit, from, slog.New(slog.DiscardHandler)).WithCampaigns(reach, outcomes)
	if err := d.Deliver(context.Background(), invitation("invitation/inv_1/tok_1")); err != nil || sent.n.Load() != 1 {
		t.Fatalf("Deliver = %v after %d sends", err, sent.n.Load())
	}
}

// TestDeliverCountsEachEmailOnce delivers the emails of a campaign, each
// several times and at once, with some failing permanently and one failing
// transiently before it goes: each email's outcome is counted exactly once.
func TestDeliverCountsEachEmailOnce(t *testing.T) {
	claims, _, _ := memClaims()
	reach := &fakeReach{reachability: func(_ context.Context, _ string, keys []string) (map[string]bo.Reach, error) {
		if keys[0] == "gone@example.com" {
			return map[string]bo.Reach{keys[0]: bo.Suppressed}, nil
		}
		return map[string]bo.Reach{}, nil
	}}
	outcomes, counts := memOutcomes()
	var mu sync.Mutex
	throttledOnce := false
	sender := &fakeSender{send: func(_ context.Context, _, to string, _ mail.Rendered) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case to == "rejected@example.com":
			return mail.Permanent(errors.New("MessageRejected"))
		case to == "slow@example.com" && !throttledOnce:
			throttledOnce = true
			return errors.New("Throttling")
		}
		return nil
	}}
	d := mail.NewDispatcher(claims, sender, noLimit, from, slog.New(slog.DiscardHandler)).WithCampaigns(reach, outcomes)
	var msgs []mail.Message
	for i := range 20 {
		msgs = append(msgs, withMsg(adminMessage(fmt.Sprint("message/msg_1/", i)), func(m *mail.Message) { m.To = fmt.Sprintf("l%02d@example.com", i) }))
	}
	for _, to := range []string{"rejected@example.com", "not an address", "gone@example.com", "slow@example.com"} {
		msgs = append(msgs, withMsg(adminMessage("message/msg_1/"+to), func(m *mail.Message) { m.To = to }))
	}
	var wg sync.WaitGroup
	for range 3 {
		for _, m := range msgs {
			wg.Go(func() { _ = d.Deliver(context.Background(), m) })
		}
	}
	wg.Wait()
	// The throttled email came back once; its redeliveries above may all
	// have come before its release, so deliver it once more as the queue would.
	if err := d.Deliver(context.Background(), msgs[len(msgs)-1]); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{campaign + " sent": 21, campaign + " failed": 2, campaign + " suppressed": 1}
	if got := counts(); !maps.Equal(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
}

// TestDeliverLogsAFailedCount: the email went; a count that fails is logged
// and the delivery succeeds, keeping its claim.
func TestDeliverLogsAFailedCount(t *testing.T) {
	claims, held, _ := memClaims()
	reach := &fakeReach{reachability: func(context.Context, string, []string) (map[string]bo.Reach, error) { return nil, nil }}
	outcomes := &fakeOutcomes{countOutcome: func(context.Context, string, mail.Outcome) error { return errors.New("throughput exceeded") }}
	var sent counter
	logger, logs := testLogger()
	d := mail.NewDispatcher(claims, countingSender(&sent), noLimit, from, logger).WithCampaigns(reach, outcomes)
	m := adminMessage("message/msg_1/ada")
	if err := d.Deliver(context.Background(), m); err != nil || sent.n.Load() != 1 || !held[m.ID] {
		t.Fatalf("Deliver = %v, sent %d, claim held %v", err, sent.n.Load(), held[m.ID])
	}
	if !strings.Contains(logs.String(), "not counted") || !strings.Contains(logs.String(), "throughput exceeded") {
		t.Fatalf("the failed count is not logged: %s", logs)
	}
}

// TestDeliverPassesSenderNameAndHeaders: the sender name of the message
// goes with the dispatcher's address (folded onto one line, MIME-encoded);
// the reply-to and the unsubscribe link reach the sender.
func TestDeliverPassesSenderNameAndHeaders(t *testing.T) {
	tests := []struct {
		name, fromName, wantName string
	}{
		{"no sender name: the configured one", "", "Acme Learning"},
		{"the author's name", "Dean Smith", "Dean Smith"},
		{"any characters, one line", "Équipe\r\nFormation \"Données\"\nBcc: x@evil.example", `Équipe Formation "Données" Bcc: x@evil.example`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, _, _ := memClaims()
			var gotFrom string
			var got mail.Rendered
			sender := &fakeSender{send: func(_ context.Context, f, _ string, r mail.Rendered) error { gotFrom, got = f, r; return nil }}
			reach := &fakeReach{reachability: func(context.Context, string, []string) (map[string]bo.Reach, error) { return nil, nil }}
			outcomes, _ := memOutcomes()
			d := mail.NewDispatcher(claims, sender, noLimit, from, slog.New(slog.DiscardHandler)).WithCampaigns(reach, outcomes)
			m := withMsg(adminMessage("message/msg_1/ada"), func(m *mail.Message) { m.FromName, m.ReplyTo = tt.fromName, "Dean@Acme.edu" })
			if err := d.Deliver(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			a, err := netmail.ParseAddress(gotFrom)
			if err != nil || a.Name != tt.wantName || a.Address != "noreply@acme.example" || strings.ContainsAny(gotFrom, "\r\n") {
				t.Fatalf("from %q (%+v, %v), want %q at noreply@acme.example", gotFrom, a, err, tt.wantName)
			}
			if got.ReplyTo != "Dean@Acme.edu" || got.UnsubscribeURL != unsubscribeURL {
				t.Fatalf("rendered reply-to %q, unsubscribe %q", got.ReplyTo, got.UnsubscribeURL)
			}
		})
	}
}
