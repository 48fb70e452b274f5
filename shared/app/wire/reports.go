package wire

import (
	"context"
	"github.com/learnops/backoffice/shared/app/start"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/domain/trends"
)

// Reports is the reports function's settings, each variable declared once
// in its field's tag: ReadReports fills it, and the stack sets the
// variables it names.
type Reports struct {
	Base
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// ReportQueueURL is the queue of report builds, which the function
	// both fills (on requests and schedules) and consumes.
	ReportQueueURL string `env:"REPORT_QUEUE_URL"`
	FilesBucket    string `env:"FILES_BUCKET"`
}

// ReadReports reads the reports function's settings (Reports). Its error
// names every missing variable.
func ReadReports(vars *env.Reader) (Reports, string, error) { return start.Read[Reports](vars) }

// ReportsService returns the reports service of the configuration.
func ReportsService(awsCfg aws.Config, c Reports, logger *slog.Logger) *reports.Service {
	store := start.OpenStore(awsCfg, c.Base)
	client := queue.Open(awsCfg)
	svc := reports.NewService(store, admin.NewService(store, admin.Config{}), queue.NewWork(client, c.ReportQueueURL),
		bucket(awsCfg, c.FilesBucket), queue.NewPublisher(client, c.MailQueueURL))
	svc.Log = logger
	return svc
}

// TrendsService returns the trends service on the configuration's table.
func TrendsService(awsCfg aws.Config, c Reports) *trends.Service {
	store := start.OpenStore(awsCfg, c.Base)
	return trends.NewService(store, admin.NewService(store, admin.Config{}))
}

// ReportsTriggers returns the reports function's handler for each of its
// triggers: the API, the report queue (one build at a time, partial batch
// failures) and the daily schedule, whose event time is the day it runs
// for (now, when the event has none).
func ReportsTriggers(awsCfg aws.Config, c Reports, logger *slog.Logger) Triggers {
	svc := ReportsService(awsCfg, c, logger)
	return Triggers{
		API:   httpapi.NewReportsHandler(svc, TrendsService(awsCfg, c), logger),
		Queue: queue.BatchHandler(svc.BuildJSON, logger),
		Schedule: func(ctx context.Context, ev events.EventBridgeEvent) error {
			at := ev.Time
			if at.IsZero() {
				at = time.Now()
			}
			return svc.RunDaily(ctx, at)
		},
	}
}
