package mail_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/adapters/ses"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// BenchmarkRender renders the invitation email (subject, HTML and text).
func BenchmarkRender(b *testing.B) {
	m := invitation("e1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mail.Render(m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDeliver runs the dispatcher's own work per message (validate,
// render, claim, pace, send, log) with in-memory claims, a sender that
// returns at once and no rate limit: the ceiling the mailer's code puts on
// throughput, far above any SES send rate.
func BenchmarkDeliver(b *testing.B) {
	claims, _, _ := memClaims()
	sender := &fakeSender{send: func(context.Context, string, string, mail.Rendered) error { return nil }}
	d := mail.NewDispatcher(claims, sender, noLimit, from, slog.New(slog.DiscardHandler))
	m := invitation("")
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		m.ID = "invitation/inv_" + strconv.Itoa(i)
		i++
		if err := d.Deliver(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkMailer runs one mailer instance's whole path per message, with
// no rate limit: the batch handler decoding a batch of 10, the dispatcher
// (validate, render, claim), the MIME built by go-mail and a fake SES that
// accepts at once. It is the ceiling the mailer's code puts on one
// instance's throughput, to compare with the SES send rate it is paced at.
func BenchmarkMailer(b *testing.B) {
	claims, _, _ := memClaims()
	client := &fakeSES{now: time.Now}
	d := mail.NewDispatcher(claims, ses.NewSender(client, "backoffice-feedback"), noLimit, from, slog.New(slog.DiscardHandler))
	h := queue.BatchHandler(d.DeliverJSON, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	ids := make([]string, 10)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range ids {
			ids[i] = "invitation/inv_" + strconv.Itoa(n)
			n++
		}
		if res, err := h(ctx, batch(b, ids)); err != nil || len(res.BatchItemFailures) != 0 {
			b.Fatal(err, res.BatchItemFailures)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}
