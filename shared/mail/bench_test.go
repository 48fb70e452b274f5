package mail_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"

	"github.com/learnops/backoffice/shared/mail"
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
