// Command redrive moves the messages of a dead-letter queue back to the
// queue they were dead-lettered from, once the cause of their failure is
// fixed:
//
//	make redrive QUEUE=backoffice-mail-dlq
//	go run ./infra/cmd/redrive -queue https://sqs.eu-west-1.amazonaws.com/123456789012/BackOffice-BackofficeMailDlq...
//
// The queue is a name (in the account and region of the credentials) or a
// URL (the stack's outputs <Queue>DlqUrl). In AWS it runs an SQS message move
// task and waits for it to finish; on an emulator without message move tasks
// (moto) it copies the messages itself (see queue.Redriver). Progress goes to
// stderr, the summary to stdout. It exits 0 when every message is back, 1 on
// any failure (what was not moved stays in the dead-letter queue) and 2 on a
// usage error.
//
// The on-failure queue and the EventBridge dead-letter queue of the
// Operations construct have no source queue: their messages are looked at and
// re-run as docs/runbook.md says, not redriven.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/queue"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("queue", "", "the dead-letter queue: a name such as backoffice-mail-dlq, or its URL (required; may also be the only argument)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *name == "" && fs.NArg() == 1 {
		*name = fs.Arg(0)
	}
	if strings.TrimSpace(*name) == "" || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "redrive: give one dead-letter queue (make redrive QUEUE=backoffice-mail-dlq)")
		fs.Usage()
		return 2
	}

	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "redrive:", err)
		return 1
	}
	r := &queue.Redriver{
		Client: sqs.NewFromConfig(cfg),
		Progress: func(moved, total int64) {
			if total > 0 {
				fmt.Fprintf(stderr, "redrive: %d of %d messages moved\n", moved, total)
			} else {
				fmt.Fprintf(stderr, "redrive: %d messages moved\n", moved)
			}
		},
	}
	res, err := r.Redrive(ctx, *name)
	if err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, queue.ErrNotADeadLetterQueue) {
			fmt.Fprintln(stderr, "redrive: failed asynchronous invocations and undelivered events are re-run, not redriven: see docs/runbook.md")
		}
		if res.Moved > 0 {
			fmt.Fprintf(stderr, "redrive: %d messages were moved before that\n", res.Moved)
		}
		return 1
	}
	to := "the queues they came from"
	if res.SourceURL != "" {
		to = res.SourceURL
	}
	fmt.Fprintf(stdout, "moved %d messages from %s back to %s (by %s)\n", res.Moved, res.DeadLetterURL, to, res.Method)
	return 0
}
