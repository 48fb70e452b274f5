// Command migrate runs the table's pending migrations (package
// shared/domain/migrate; the migrations themselves are in shared/adapters/dynamo): the
// backfills and reshapes of items that a new version of the back office
// needs on a table written by an older one. Every migration is resumable
// and idempotent: run it again after an interruption and it goes on from
// the cursors recorded in the table; run it again when done and it is
// skipped.
//
//	AWS_ENDPOINT_URL=http://127.0.0.1:<port> make migrate   # an emulator's table
//	make migrate TABLE=<TableName output>          # a deployed stack's table
//	go run ./infra/cmd/migrate -status
//	go run ./infra/cmd/migrate -table backoffice -only 0002-learner-email-index -segments 8
//
// It uses the SDK's default configuration (a profile, SSO, a session
// token, or AWS_ENDPOINT_URL for an emulator). Its credentials need
// dynamodb:Scan, GetItem, PutItem and UpdateItem on the table. Progress is
// logged as JSON on stderr; the final state of each migration goes to
// stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/domain/migrate"
	"github.com/learnops/backoffice/shared/testkit/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, loadConfig, os.Stdout, os.Stderr))
}

// loadConfig is the SDK's default configuration, with the emulator's HTTP
// client when AWS_ENDPOINT_URL names one.
func loadConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.Load(ctx)
	if err == nil && os.Getenv("AWS_ENDPOINT_URL") != "" {
		cfg.HTTPClient = emulator.HTTPClient
	}
	return cfg, err
}

// run runs the command with args, reading TABLE_NAME and AWS_ENDPOINT_URL
// with getenv and the AWS configuration with load, and returns its exit
// code: 0 when every migration asked for is done, 1 when one failed (run
// again to resume), 2 for bad usage.
func run(ctx context.Context, args []string, getenv func(string) string, load func(context.Context) (aws.Config, error),
	stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	table := fs.String("table", getenv("TABLE_NAME"), "the table (default $TABLE_NAME; on an emulator, "+resources.Table.Name+")")
	only := fs.String("only", "", "run only this migration (an ID of -status)")
	segments := fs.Int("segments", migrate.DefaultSegments, "parallel Scan segments of a migration it starts (one already started keeps its own)")
	page := fs.Int("page", migrate.DefaultPageSize, "items a Scan page reads")
	status := fs.Bool("status", false, "print where every migration stands and change nothing")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *table == "" && getenv("AWS_ENDPOINT_URL") != "" {
		*table = resources.Table.Name
	}
	if *table == "" {
		fmt.Fprintln(stderr, "migrate: name the table with -table or TABLE_NAME (the stack's TableName output)")
		return 2
	}
	if *segments < 1 || *segments > migrate.MaxSegments || *page < 1 || *page > 1000 {
		fmt.Fprintf(stderr, "migrate: -segments must be 1 to %d and -page 1 to 1000\n", migrate.MaxSegments)
		return 2
	}
	if _, ok := env.ParseLevel(*level); !ok {
		fmt.Fprintln(stderr, "migrate: -log-level must be debug, info, warn or error")
		return 2
	}
	cfg, err := load(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "migrate:", err)
		return 1
	}
	runner := migrate.NewRunner(dynamo.NewMigrations(dynamodb.NewFromConfig(cfg), *table), migrate.Config{
		Segments: *segments, PageSize: *page, Logger: env.LoggerTo(stderr, *level),
	})
	var progress []migrate.Progress
	if *status {
		progress, err = runner.Status(ctx)
	} else {
		progress, err = runner.Run(ctx, *only)
	}
	report(stdout, runner.Migrations(), progress)
	if err != nil {
		fmt.Fprintln(stderr, "migrate:", err)
		if !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "migrate: what was done is recorded; run the same command again to resume")
		}
		return 1
	}
	return 0
}

// report prints one line per migration: its ID, status, counts and what
// it does.
func report(w io.Writer, ms []migrate.Migration, progress []migrate.Progress) {
	by := map[string]migrate.Progress{}
	for _, p := range progress {
		by[p.ID] = p
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MIGRATION\tSTATUS\tSCANNED\tCHANGED\tWHAT")
	for _, m := range ms {
		p, ok := by[m.ID]
		st := string(p.Status)
		if !ok {
			st = "not run"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", m.ID, st, p.Scanned, p.Changed, m.Description)
	}
	_ = tw.Flush()
}
