// Package start is what every function's main does: read its settings from
// the environment, load the AWS configuration Lambda gives it, build its
// handler and start Lambda. It imports no adapter, so that a function's
// binary links only the adapters its own wiring uses.
package start

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/awsenv"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// startTimeout bounds what a function does at cold start before serving.
const startTimeout = 10 * time.Second

// Main is the whole of a function's main: it reads the configuration with
// read (whose error names every missing or invalid variable), builds the
// SDK's default configuration and the handler with build, and starts
// Lambda. It logs and exits 1 when any step fails.
func Main[C any](read func(*env.Reader) (C, string, error), build func(ctx context.Context, awsCfg aws.Config, c C, logger *slog.Logger) (any, error)) {
	c, level, err := read(env.New())
	logger := env.Logger(level)
	fail := func(step string, err error) {
		logger.Error(step, slog.String("error", err.Error()))
		os.Exit(1)
	}
	if err != nil {
		fail("configuration", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	awsCfg, err := awsenv.Load()
	if err != nil {
		fail("aws configuration", err)
	}
	handler, err := build(ctx, awsCfg, c, logger)
	if err != nil {
		fail("start-up", err)
	}
	lambda.Start(handler)
}

// Base is the configuration every function reads.
type Base struct {
	Table    string `env:"TABLE_NAME"`
	LogLevel string `env:"LOG_LEVEL" default:"info"`
	// AuditRetentionDays is how long the audit records the function writes
	// are kept before the table's TTL deletes them (the stage's setting).
	AuditRetentionDays int `env:"AUDIT_RETENTION_DAYS" default:"400"`
}

// Settings is a function's settings struct: a struct that embeds Base and
// declares every other variable the function reads in its fields' env
// tags (see env.Load).
type Settings interface {
	base() Base
}

func (b Base) base() Base { return b }

// Read fills the settings struct C from vars and returns it with its log
// level: the read function of every function's main. Its error names every
// missing and every invalid variable, and what C's Validate reports (a
// settings struct with a Validate of its own includes Base's).
func Read[C Settings](vars *env.Reader) (C, string, error) {
	var c C
	vars.Load(&c)
	return c, c.base().LogLevel, vars.Err()
}

// defaultAuditRetentionDays is audit.DefaultRetention in days.
const defaultAuditRetentionDays = int(audit.DefaultRetention / (24 * time.Hour))

// Validate reports an audit retention below one day (settings read with
// env.Load).
func (b Base) Validate() []string {
	if b.AuditRetentionDays < 1 {
		return []string{fmt.Sprintf("AUDIT_RETENTION_DAYS=%d must be at least 1 (days)", b.AuditRetentionDays)}
	}
	return nil
}

// OpenStore opens the store on the function's table, writing audit
// records with the function's retention. It is a function, not a method
// of Base: the settings are handed to reflection (env.Load), and a method
// naming *dynamo.Store would make the linker keep every method of the
// store in every binary that uses html/template (the mailer, messaging).
func OpenStore(awsCfg aws.Config, b Base) *dynamo.Store {
	s := dynamo.Open(awsCfg, b.Table)
	days := b.AuditRetentionDays
	if days < 1 {
		days = defaultAuditRetentionDays
	}
	s.SetAuditRetention(time.Duration(days) * 24 * time.Hour)
	return s
}
